"""SegueContext: the running Segue as plugins see it (config, slots, plugin configs)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import anyio
import pluggy
import structlog
from anyio.abc import TaskGroup

from segue.config.loader import RawConfig, resolve_path
from segue.config.schema import PluginConfig, SegueConfig
from segue.models import Track
from segue.plugins import calls
from segue.plugins.manager import PluginSet
from segue.slots.catalog import CatalogBackend
from segue.slots.events import EventsBackend
from segue.slots.playlists import PlaylistsBackend
from segue.slots.presence import PresenceBackend
from segue.slots.registry import NO_BACKEND, SLOT_NAMES, SlotName
from segue.slots.search import SearchBackend
from segue.slots.storage import MediaStorage

P = TypeVar("P", bound=PluginConfig)
log = structlog.get_logger("segue")

# Start order: storage and catalog first, as the others may read them on start.
_START_ORDER: tuple[SlotName, ...] = (
    "storage",
    "catalog",
    "events",
    "search",
    "playlists",
    "presence",
)


ProcessRole = Literal["server", "worker", "cli"]


class SlotUnavailable(RuntimeError):
    pass


class SegueContext:
    """Handed to every hook that runs inside a Segue process."""

    def __init__(
        self, config: SegueConfig, raw: RawConfig, plugins: PluginSet, *, role: ProcessRole = "cli"
    ) -> None:
        self.config = config
        self.role: ProcessRole = role
        """What this process is: `segue serve`, `segue worker`, or another command."""
        self.raw = raw
        self.plugins = plugins
        self.data_dir = resolve_path(config, config.server.data_dir)
        self.library_roots: list[Path] = [resolve_path(config, p) for p in config.library.paths]
        self._slots: dict[SlotName, Any] = {}
        self._started: list[SlotName] = []
        self._task_group: TaskGroup | None = None

    @property
    def pm(self) -> pluggy.PluginManager:
        return self.plugins.pm

    # --- slots -----------------------------------------------------------
    def slot(self, name: SlotName) -> Any:
        backend = self._slots.get(name)
        if backend is None:
            raise SlotUnavailable(
                f"the {name} slot has no backend (config: [{name}] backend = "
                f"'{getattr(self.config, name).backend}')"
            )
        return backend

    def has_slot(self, name: SlotName) -> bool:
        return name in self._slots

    @property
    def catalog(self) -> CatalogBackend:
        return cast(CatalogBackend, self.slot("catalog"))

    @property
    def storage(self) -> MediaStorage:
        return cast(MediaStorage, self.slot("storage"))

    @property
    def events(self) -> EventsBackend:
        return cast(EventsBackend, self.slot("events"))

    @property
    def search(self) -> SearchBackend | None:
        return cast(SearchBackend | None, self._slots.get("search"))

    @property
    def playlists(self) -> PlaylistsBackend | None:
        return cast(PlaylistsBackend | None, self._slots.get("playlists"))

    @property
    def presence(self) -> PresenceBackend | None:
        return cast(PresenceBackend | None, self._slots.get("presence"))

    def backend_name(self, slot: SlotName) -> str:
        return str(getattr(self.config, slot).backend)

    async def start_slots(self) -> None:
        """Build and start the configured backend of every slot; on failure close what started."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for slot in _START_ORDER:
            name = self.backend_name(slot)
            if name == NO_BACKEND:
                continue
            spec = self.plugins.backends[slot][name]
            backend: Any = spec.factory(self)
            self._slots[slot] = backend
            try:
                await backend.start()
            except BaseException:
                del self._slots[slot]
                await self.close_slots()
                raise
            self._started.append(slot)

    async def close_slots(self) -> None:
        while self._started:
            slot = self._started.pop()
            backend = self._slots.pop(slot)
            try:
                with anyio.CancelScope(shield=True):
                    await backend.close()
            except Exception as exc:
                log.error("closing backend failed", slot=slot, error=repr(exc))

    # --- plugins ----------------------------------------------------------
    def plugin_config(self, name: str, schema: type[P]) -> P:
        """The validated ``[plugins.<name>]`` section, as the plugin's Config struct."""
        config = self.plugins.configs.get(name)
        if isinstance(config, schema):
            return config
        return schema()

    async def notify(self, hook_name: str, *, reverse: bool = False, **kwargs: Any) -> None:
        """Call a notification hook on every plugin (see ``segue.plugins.calls``)."""
        await calls.notify(self.pm, hook_name, reverse=reverse, context=self, **kwargs)

    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        return calls.collect(self.pm, hook_name, context=self, **kwargs)

    def extra_track_fields(self, track: Track) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        # collect() answers in pluggy's call order (last registered first);
        # merge in registration order so that a later plugin wins a clash.
        for _plugin, fields in reversed(self.collect("extra_track_fields", track=track)):
            merged.update(fields)
        return merged

    # --- background work ---------------------------------------------------
    def attach_task_group(self, task_group: TaskGroup | None) -> None:
        self._task_group = task_group

    def spawn(self, fn: Callable[..., Awaitable[Any]], *args: Any, name: str | None = None) -> None:
        """Run ``fn(*args)`` in the background for the life of this process."""
        if self._task_group is None:
            raise RuntimeError("background tasks can only start while Segue is running")

        async def guarded() -> None:
            try:
                await fn(*args)
            except Exception as exc:
                log.exception(
                    "background task failed",
                    task=name or getattr(fn, "__name__", "?"),
                    error=repr(exc),
                )

        self._task_group.start_soon(guarded, name=name)


__all__ = ["SLOT_NAMES", "SegueContext", "SlotUnavailable"]
