"""register_backends: a plugin offers backends, config picks one per slot, the core builds and starts it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import segue
from segue.config.loader import load_config, read_raw_config
from segue.context import SegueContext
from segue.plugins.manager import load_plugins
from segue.runtime import running


class ProbeBackend:
    """A backend that remembers what the core did with it."""

    def __init__(self, slot: str, name: str, context: SegueContext) -> None:
        self.slot, self.name, self.context = slot, name, context
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")

    async def ping(self) -> None:
        pass

    async def close(self) -> None:
        self.calls.append("close")


class ProbePlugin:
    """Offers two backends ("probe-a", "probe-b") for every slot; records every one built."""

    def __init__(self) -> None:
        self.built: list[ProbeBackend] = []

    def factory(self, slot: str, name: str) -> segue.BackendSpec:
        def build(context: SegueContext) -> ProbeBackend:
            backend = ProbeBackend(slot, name, context)
            self.built.append(backend)
            return backend

        return segue.BackendSpec(
            slot=slot,  # type: ignore[arg-type]  # slot names come from the loop below
            name=name,
            factory=build,
            description=f"test backend {name}",
        )

    @segue.hookimpl
    def register_backends(self) -> Sequence[segue.BackendSpec]:
        return [
            self.factory(slot, name)
            for slot in ("catalog", "events", "storage", "search")
            for name in ("probe-a", "probe-b")
        ]


CONFIG = """
[catalog]
backend = "probe-a"
[events]
backend = "probe-a"
run_consumers_in_server = false
[storage]
backend = "probe-a"
[search]
backend = "probe-b"
[playlists]
backend = "none"
[presence]
backend = "none"
"""


@pytest.mark.anyio
async def test_hook_register_backends(tmp_path: Path) -> None:
    config_file = tmp_path / "segue.toml"
    config_file.write_text(CONFIG + f'[server]\ndata_dir = "{tmp_path / "data"}"\n')
    raw = read_raw_config(config_file, environ={})
    config = load_config(raw)
    probe = ProbePlugin()

    plugins = load_plugins(raw, config, entry_points=[], extra_plugins=[("probe", probe)])

    assert plugins.problems == []
    assert plugins.records["probe"].backends == [
        f"{slot}:{name}"
        for slot in ("catalog", "events", "storage", "search")
        for name in ("probe-a", "probe-b")
    ]
    spec = plugins.backends["search"]["probe-b"]
    assert (spec.plugin, spec.description) == ("probe", "test backend probe-b")
    assert probe.built == []  # registering builds nothing

    context = SegueContext(config, raw, plugins)
    async with running(context):
        # Only the configured backend of each slot is built, once, and started.
        assert sorted((b.slot, b.name) for b in probe.built) == [
            ("catalog", "probe-a"),
            ("events", "probe-a"),
            ("search", "probe-b"),
            ("storage", "probe-a"),
        ]
        assert all(b.calls == ["start"] for b in probe.built)
        assert all(b.context is context for b in probe.built)
        search: object = context.search  # typed as the slot's Protocol; here it is our probe
        assert isinstance(search, ProbeBackend)
        assert search.name == "probe-b"
        assert context.slot("catalog") is next(b for b in probe.built if b.slot == "catalog")
        assert not context.has_slot("playlists")  # left at "none"

    assert all(b.calls == ["start", "close"] for b in probe.built)
    assert not context.has_slot("search")
