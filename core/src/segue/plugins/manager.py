"""Build a plugin manager for one configuration.

Nothing is loaded at import time: each app or command builds its own manager
from its config. Every installed plugin is found through the ``segue`` entry
point group; only enabled ones are imported; each step that can fail (import,
registration, unknown hooks, config section, backend registration) is caught
per plugin and recorded with a reason, so that one broken plugin never takes
the others down.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import msgspec
import pluggy

from segue import hookspecs
from segue.config.loader import RawConfig, plugin_enabled, validate_plugin_section
from segue.config.schema import PluginConfig, SegueConfig
from segue.config.suggest import did_you_mean, one_of
from segue.errors import ConfigError
from segue.markers import PROJECT_NAME
from segue.plugins.calls import HookFailed
from segue.plugins.records import PluginRecord
from segue.slots.registry import NO_BACKEND, REQUIRED_SLOTS, SLOT_NAMES, BackendSpec, SlotName

ENTRY_POINT_GROUP = "segue"

# The core's own features, registered as plugins through the same manager
# (datasette's default plugins). They cannot be disabled.
CORE_PLUGINS: tuple[str, ...] = (
    "segue.api.health",
    "segue.api.auth",
    "segue.api.catalog",
    "segue.api.media",
    "segue.api.admin",
    "segue.api.search",
    "segue.api.playback",
    "segue.api.playlists",
    "segue.api.library",
    "segue.api.queue",
    "segue.api.friends",
    "segue.api.player",
    "segue.api.ws",
    "segue.events.builtin_jobs",
)


@dataclass
class PluginSet:
    """The loaded plugins of one configuration."""

    pm: pluggy.PluginManager
    records: dict[str, PluginRecord]
    backends: dict[SlotName, dict[str, BackendSpec]]
    configs: dict[str, PluginConfig] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """Config problems found while loading: fatal for `segue serve`."""

    def failed(self) -> list[PluginRecord]:
        return [r for r in self.records.values() if r.status == "failed"]


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm


def installed_entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def load_plugins(
    raw: RawConfig,
    config: SegueConfig,
    *,
    entry_points: Iterable[metadata.EntryPoint] | None = None,
    extra_plugins: Iterable[tuple[str, object]] = (),
) -> PluginSet:
    """Load the core plugins and every enabled installed plugin.

    ``extra_plugins`` (name, object) are registered as if installed; tests use it.
    """
    pm = new_plugin_manager()
    plugins = PluginSet(pm=pm, records={}, backends={slot: {} for slot in SLOT_NAMES})
    core_dist = _distribution_version("segue-core")
    for module_name in CORE_PLUGINS:
        module = importlib.import_module(module_name)
        pm.register(module, name=module_name)
        plugins.records[module_name] = PluginRecord(
            name=module_name,
            distribution="segue-core",
            version=core_dist,
            module=module_name,
            core=True,
        )
    eps = list(installed_entry_points() if entry_points is None else entry_points)
    for ep in eps:
        dist = ep.dist
        record = PluginRecord(
            name=ep.name,
            distribution=dist.name if dist else "?",
            version=dist.version if dist else "?",
            module=ep.value,
        )
        plugins.records[ep.name] = record
        _load_one(plugins, raw, record, loader=ep.load)
    for name, obj in extra_plugins:
        record = PluginRecord(
            name=name, distribution="(registered in process)", version="-", module=name
        )
        plugins.records[name] = record
        _load_one(plugins, raw, record, loader=lambda obj=obj: obj)
    _check_unknown_sections(plugins, raw)
    _check_slots(plugins, raw, config)
    pm.check_pending()  # every plugin passed its own check; this is the last safety net
    return plugins


def _load_one(plugins: PluginSet, raw: RawConfig, record: PluginRecord, loader: Any) -> None:
    pm = plugins.pm
    try:
        if not plugin_enabled(raw, record.name):
            record.status = "disabled"
            return
    except ConfigError as exc:
        _fail(plugins, record, f"config error: {exc}", problem=str(exc))
        return
    try:
        plugin = loader()
    except Exception as exc:
        _fail(plugins, record, f"import failed: {type(exc).__name__}: {exc}")
        return
    try:
        pm.register(plugin, name=record.name)
    except Exception as exc:
        _fail(plugins, record, f"registration failed: {type(exc).__name__}: {exc}")
        return
    unknown = _unknown_hooks(pm, plugin)
    if unknown:
        pm.unregister(plugin)
        _fail(plugins, record, "; ".join(unknown))
        return
    record.hooks = sorted(c.name for c in pm.get_hookcallers(plugin) or [])
    schema = getattr(plugin, "Config", PluginConfig)
    if not (isinstance(schema, type) and issubclass(schema, PluginConfig)):
        pm.unregister(plugin)
        _fail(plugins, record, "its 'Config' must subclass segue.PluginConfig")
        return
    try:
        plugins.configs[record.name] = validate_plugin_section(raw, record.name, schema)
    except ConfigError as exc:
        pm.unregister(plugin)
        _fail(plugins, record, f"config error: {exc}", problem=str(exc))
        return
    try:
        _register_backends(plugins, record, plugin)
    except HookFailed as exc:
        pm.unregister(plugin)
        _fail(plugins, record, f"register_backends failed: {type(exc.error).__name__}: {exc.error}")


def _fail(
    plugins: PluginSet, record: PluginRecord, reason: str, *, problem: str | None = None
) -> None:
    record.status, record.reason = "failed", reason
    if problem:
        plugins.problems.append(problem)


def _unknown_hooks(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    """Hook implementations whose name matches no spec (pluggy's check_pending, per plugin)."""
    # pluggy adds a caller for every implemented name, specified or not.
    specs = [
        name
        for name in dir(pm.hook)
        if not name.startswith("_") and getattr(pm.hook, name).spec is not None
    ]
    problems = []
    for caller in pm.get_hookcallers(plugin) or []:
        if caller.spec is None:
            problems.append(
                f"implements unknown hook '{caller.name}'.{did_you_mean(caller.name, specs)}"
            )
    return problems


def _register_backends(plugins: PluginSet, record: PluginRecord, plugin: object) -> None:
    specs: list[Any] = []
    for impl in plugins.pm.hook.register_backends.get_hookimpls():
        if impl.plugin is plugin:
            try:
                result: Any = impl.function()
                specs += list(result or [])
            except Exception as exc:
                raise HookFailed(record.name, "register_backends", exc) from exc
    for spec in specs:
        if not isinstance(spec, BackendSpec) or spec.slot not in SLOT_NAMES:
            raise HookFailed(
                record.name,
                "register_backends",
                TypeError(f"not a BackendSpec for a known slot: {spec!r}"),
            )
    for spec in specs:
        owner = plugins.backends[spec.slot].get(spec.name)
        if owner is not None:
            raise HookFailed(
                record.name,
                "register_backends",
                ValueError(
                    f"backend '{spec.slot}:{spec.name}' is already provided by plugin '{owner.plugin}'"
                ),
            )
        plugins.backends[spec.slot][spec.name] = BackendSpec(
            slot=spec.slot,
            name=spec.name,
            factory=spec.factory,
            description=spec.description,
            plugin=record.name,
        )
        record.backends.append(f"{spec.slot}:{spec.name}")


def _check_unknown_sections(plugins: PluginSet, raw: RawConfig) -> None:
    installed = [name for name, r in plugins.records.items() if not r.core]
    for name, section in (raw.data.get("plugins") or {}).items():
        if name in plugins.records:
            continue
        if isinstance(section, dict) and section.get("enabled") is False:
            continue  # a disabled section for an uninstalled plugin is harmless
        plugins.problems.append(
            f"{raw.where(f'plugins.{name}')}: [plugins.{name}] names no installed plugin."
            f"{did_you_mean(name, installed)} Installed plugins: {one_of(installed)}."
        )


def _check_slots(plugins: PluginSet, raw: RawConfig, config: SegueConfig) -> None:
    failed = [r for r in plugins.records.values() if r.status == "failed"]
    for slot in SLOT_NAMES:
        name = getattr(config, slot).backend
        available = plugins.backends[slot]
        where = raw.where(f"{slot}.backend")
        if name == NO_BACKEND:
            if slot in REQUIRED_SLOTS:
                plugins.problems.append(
                    f"{where}: key '{slot}.backend' cannot be 'none': Segue needs a {slot} backend; "
                    f"one of {one_of(available)}."
                )
            continue
        if name in available:
            continue
        choices = [*available, *([] if slot in REQUIRED_SLOTS else [NO_BACKEND])]
        hint = ""
        if failed:
            hint = (
                " Plugins that failed to load: "
                + "; ".join(f"'{r.name}' ({r.reason})" for r in failed)
                + "."
            )
        plugins.problems.append(
            f"{where}: key '{slot}.backend' = '{name}' is not an installed {slot} backend."
            f"{did_you_mean(name, choices)} Allowed: {one_of(choices)}.{hint}"
        )


def plugin_config_as(plugins: PluginSet, name: str, schema: type[Any]) -> Any:
    config = plugins.configs.get(name)
    if not isinstance(config, schema):
        return msgspec.convert({}, schema)
    return config


def _distribution_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"
