"""segue.plugins.manager.load_plugins: each plugin's failure is recorded, named and kept apart.

The plugins here are small objects registered in process (``extra_plugins``);
installed entry points are left out (``entry_points=[]``) unless a test adds
its own, so these tests see only what they set up.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy
import pytest

import segue
from segue.config.loader import RawConfig, load_config, read_raw_config
from segue.context import SegueContext
from segue.plugins.manager import PluginSet, load_plugins

# Only the plugins a test registers are loaded: the optional slots are left empty.
SLOT_BACKENDS = """
[catalog]
backend = "test-catalog"
[events]
backend = "test-events"
[storage]
backend = "test-storage"
[search]
backend = "none"
[playlists]
backend = "none"
[presence]
backend = "none"
"""


class NullBackend:
    """The smallest backend: does nothing, is always healthy."""

    async def start(self) -> None:
        pass

    async def ping(self) -> None:
        pass

    async def close(self) -> None:
        pass


def null_factory(_context: SegueContext) -> NullBackend:
    return NullBackend()


class RequiredSlots:
    """Fills the slots Segue cannot run without, so that only a test's own problem shows."""

    @segue.hookimpl
    def register_backends(self) -> Sequence[segue.BackendSpec]:
        return [
            segue.BackendSpec(slot=slot, name=f"test-{slot}", factory=null_factory)
            for slot in ("catalog", "events", "storage")
        ]


class GreeterConfig(segue.PluginConfig):
    greeting: str = "hi"
    """What to say."""
    times: int = 1
    """How often."""


class Greeter:
    """A well-behaved plugin with a config section."""

    Config = GreeterConfig

    @segue.hookimpl
    def register_routes(self, context: SegueContext) -> list[Any]:
        return []


class Misspelled:
    @segue.hookimpl
    def register_route(self, context: SegueContext) -> list[Any]:
        return []


class BackendsRaise:
    @segue.hookimpl
    def register_backends(self) -> Sequence[segue.BackendSpec]:
        raise RuntimeError("cannot reach the fancy cluster")


def raw_config(tmp_path: Path, text: str = "") -> RawConfig:
    path = tmp_path / "segue.toml"
    path.write_text(SLOT_BACKENDS + text, encoding="utf-8")
    return read_raw_config(path, environ={})


def load(
    raw: RawConfig,
    *plugins: tuple[str, object],
    entry_points: Sequence[metadata.EntryPoint] = (),
) -> PluginSet:
    return load_plugins(
        raw,
        load_config(raw),
        entry_points=entry_points,
        extra_plugins=[("required-slots", RequiredSlots()), *plugins],
    )


def test_well_behaved_plugin_is_enabled_with_its_hooks_and_config(tmp_path: Path) -> None:
    raw = raw_config(tmp_path, "[plugins.greeter]\ngreeting = 'hello'\ntimes = 3\n")

    loaded = load(raw, ("greeter", Greeter()))

    assert loaded.problems == []
    record = loaded.records["greeter"]
    assert (record.status, record.reason, record.hooks) == ("enabled", None, ["register_routes"])
    assert loaded.configs["greeter"] == GreeterConfig(greeting="hello", times=3)


def test_misspelled_hook_fails_the_plugin_with_a_suggestion(tmp_path: Path) -> None:
    loaded = load(raw_config(tmp_path), ("typo", Misspelled()), ("greeter", Greeter()))

    record = loaded.records["typo"]
    assert record.status == "failed"
    assert record.reason == (
        "implements unknown hook 'register_route'. Did you mean 'register_routes'?"
    )
    assert not loaded.pm.has_plugin("typo")
    assert loaded.records["greeter"].status == "enabled"


def test_check_pending_runs_after_loading_and_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A spy on pluggy's own method: the loader must end with pluggy's safety net.
    checked: list[pluggy.PluginManager] = []
    original = pluggy.PluginManager.check_pending

    def spy(pm: pluggy.PluginManager) -> None:
        checked.append(pm)
        original(pm)

    monkeypatch.setattr(pluggy.PluginManager, "check_pending", spy)

    loaded = load(raw_config(tmp_path), ("typo", Misspelled()))

    assert checked == [loaded.pm]
    loaded.pm.check_pending()  # the misspelled plugin was unregistered, nothing is pending


def test_unknown_key_in_a_plugin_section_is_a_problem_naming_the_key(tmp_path: Path) -> None:
    raw = raw_config(tmp_path, "[plugins.greeter]\ngreting = 'hello'\n")

    loaded = load(raw, ("greeter", Greeter()))

    record = loaded.records["greeter"]
    assert record.status == "failed"
    assert len(loaded.problems) == 1
    problem = loaded.problems[0]
    assert problem.startswith(f"{tmp_path / 'segue.toml'}: unknown key 'plugins.greeter.greting'.")
    assert "Did you mean 'greeting'?" in problem
    assert "'enabled', 'greeting', 'times'" in problem
    assert record.reason == f"config error: {problem}"
    assert not loaded.pm.has_plugin("greeter")


def test_wrong_type_in_a_plugin_section_names_the_key_and_the_value(tmp_path: Path) -> None:
    raw = raw_config(tmp_path, "[plugins.greeter]\ntimes = 'three'\n")

    loaded = load(raw, ("greeter", Greeter()))

    assert loaded.records["greeter"].status == "failed"
    assert loaded.problems == [
        f"{tmp_path / 'segue.toml'}: key 'plugins.greeter.times' = 'three' is invalid: "
        "expected `int`, got `str`"
    ]


def test_enabled_must_be_a_boolean(tmp_path: Path) -> None:
    raw = raw_config(tmp_path, "[plugins.greeter]\nenabled = 'no'\n")

    loaded = load(raw, ("greeter", Greeter()))

    assert loaded.records["greeter"].status == "failed"
    assert "key 'plugins.greeter.enabled' must be true or false, not 'no'" in loaded.problems[0]


def test_disabled_plugin_is_not_imported(tmp_path: Path) -> None:
    # The entry point names a module that does not exist: importing it would fail the plugin.
    entry_point = metadata.EntryPoint(name="greeter", value="segue_no_such_module", group="segue")
    raw = raw_config(tmp_path, "[plugins.greeter]\nenabled = false\n")

    loaded = load(raw, entry_points=[entry_point])

    record = loaded.records["greeter"]
    assert (record.status, record.reason, record.hooks) == ("disabled", None, [])
    assert loaded.problems == []


def test_plugin_that_cannot_be_imported_is_failed_and_the_others_load(tmp_path: Path) -> None:
    entry_point = metadata.EntryPoint(
        name="ghost", value="segue_no_such_module.plugin", group="segue"
    )

    loaded = load(raw_config(tmp_path), ("greeter", Greeter()), entry_points=[entry_point])

    record = loaded.records["ghost"]
    assert record.status == "failed"
    assert record.reason == (
        "import failed: ModuleNotFoundError: No module named 'segue_no_such_module'"
    )
    assert loaded.records["greeter"].status == "enabled"
    assert loaded.problems == []  # nothing configured depends on it


def test_register_backends_raising_fails_the_plugin_with_the_reason(tmp_path: Path) -> None:
    loaded = load(raw_config(tmp_path), ("fancy", BackendsRaise()), ("greeter", Greeter()))

    record = loaded.records["fancy"]
    assert record.status == "failed"
    assert record.reason == "register_backends failed: RuntimeError: cannot reach the fancy cluster"
    assert not loaded.pm.has_plugin("fancy")
    assert loaded.records["greeter"].status == "enabled"
    assert loaded.problems == []


def test_failed_plugin_behind_the_configured_backend_is_a_clear_fatal_problem(
    tmp_path: Path,
) -> None:
    raw = raw_config(tmp_path)
    raw.data["search"]["backend"] = "fancy"

    loaded = load(raw, ("fancy", BackendsRaise()))

    assert loaded.problems == [
        f"{tmp_path / 'segue.toml'}: key 'search.backend' = 'fancy' is not an installed "
        "search backend. Allowed: 'none'. Plugins that failed to load: 'fancy' "
        "(register_backends failed: RuntimeError: cannot reach the fancy cluster)."
    ]


def test_unknown_backend_name_suggests_the_installed_one(tmp_path: Path) -> None:
    raw = read_raw_config(None, environ={"SEGUE_CATALOG__BACKEND": "test-catalgo"})
    raw.data.update(
        {
            "events": {"backend": "test-events"},
            "storage": {"backend": "test-storage"},
            "search": {"backend": "none"},
            "playlists": {"backend": "none"},
            "presence": {"backend": "none"},
        }
    )

    loaded = load(raw)

    assert loaded.problems == [
        "environment variable SEGUE_CATALOG__BACKEND: key 'catalog.backend' = 'test-catalgo' "
        "is not an installed catalog backend. Did you mean 'test-catalog'? "
        "Allowed: 'test-catalog'."
    ]


def test_two_plugins_offering_the_same_backend_fail_the_second(tmp_path: Path) -> None:
    class Twin:
        @segue.hookimpl
        def register_backends(self) -> Sequence[segue.BackendSpec]:
            return [segue.BackendSpec(slot="catalog", name="test-catalog", factory=null_factory)]

    loaded = load(raw_config(tmp_path), ("twin", Twin()))

    assert loaded.records["twin"].status == "failed"
    assert "backend 'catalog:test-catalog' is already provided by plugin 'required-slots'" in str(
        loaded.records["twin"].reason
    )
    assert loaded.backends["catalog"]["test-catalog"].plugin == "required-slots"


def test_section_for_a_plugin_that_is_not_installed_is_a_problem(tmp_path: Path) -> None:
    raw = raw_config(tmp_path, "[plugins.greter]\ngreeting = 'x'\n")

    loaded = load(raw, ("greeter", Greeter()))

    assert len(loaded.problems) == 1
    assert (
        "[plugins.greter] names no installed plugin. Did you mean 'greeter'?"
        in (loaded.problems[0])
    )
