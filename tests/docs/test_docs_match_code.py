"""The docs and the example config keep up with the code: every hook, every config key.

Like datasette's documentation tests: adding a hook or a config field without
documenting it (and, for hooks, testing it) fails here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest
from msgspec import inspect as mi

from segue import hookspecs
from segue.config.loader import load_config, read_raw_config
from segue.config.schema import PluginConfig, SegueConfig
from segue.plugins.manager import load_plugins

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
EXAMPLE = REPO / "config" / "segue.example.toml"
REGENERATE = "run `.venv/bin/python docs/generate_config_reference.py`"
# Set by the loader, not by admins.
NOT_KEYS = {"plugins", "source", "base_dir"}


def hook_specs() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(function)
        for name, function in vars(hookspecs).items()
        if callable(function) and hasattr(function, "segue_spec")
    }


HOOKS = sorted(hook_specs())


@cache
def documented_hooks() -> dict[str, list[str]]:
    """``## hook_name(arg, ...)`` headings of docs/hooks.md -> argument names."""
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\w+)\(([^)]*)\)\s*$", text, flags=re.MULTILINE)
    return {name: [a.strip() for a in args.split(",") if a.strip()] for name, args in headings}


def test_there_are_hooks_to_check() -> None:
    assert {"register_backends", "register_routes", "startup"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hooks_md_documents_hook_with_its_arguments(hook: str) -> None:
    documented = documented_hooks()
    assert hook in documented, f"docs/hooks.md has no '## {hook}(...)' heading"
    assert documented[hook] == list(hook_specs()[hook].parameters), (
        f"docs/hooks.md documents {hook}({', '.join(documented[hook])}), "
        f"the spec is {hook}{hook_specs()[hook]}"
    )


def test_hooks_md_documents_no_hook_that_does_not_exist() -> None:
    assert sorted(set(documented_hooks()) - set(HOOKS)) == []


@cache
def hook_test_names() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "tests").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names |= {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_hook_")
        }
    return names


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    wanted = f"test_hook_{hook}"
    assert any(name == wanted or name.startswith(f"{wanted}_") for name in hook_test_names()), (
        f"no test function named {wanted} (or {wanted}_...) under tests/"
    )


# --- config keys -----------------------------------------------------------


def config_keys(
    struct: type[msgspec.Struct], instance: Any, prefix: str
) -> Iterator[tuple[str, Any]]:
    """(dotted key path, default value) for every leaf field of a config struct."""
    info = mi.type_info(struct)
    assert isinstance(info, mi.StructType)
    for field in info.fields:
        if not prefix and field.encode_name in NOT_KEYS:
            continue
        path = f"{prefix}.{field.encode_name}" if prefix else field.encode_name
        value = getattr(instance, field.name)
        if isinstance(field.type, mi.StructType):
            yield from config_keys(field.type.cls, value, path)
        else:
            yield path, msgspec.to_builtins(value)


def builtin_plugin_configs() -> dict[str, type[PluginConfig]]:
    """The Config class of each plugin shipped here (plugins/, transcoder/, web/), by entry point name."""
    configs: dict[str, type[PluginConfig]] = {}
    for pyproject in [
        *sorted((REPO / "plugins").glob("*/pyproject.toml")),
        REPO / "transcoder" / "pyproject.toml",
        REPO / "web" / "pyproject.toml",
    ]:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        for name, target in project.get("entry-points", {}).get("segue", {}).items():
            module = importlib.import_module(target)
            config = getattr(module, "Config", PluginConfig)
            configs[name] = config
    return configs


def all_config_keys() -> dict[str, Any]:
    keys = dict(config_keys(SegueConfig, SegueConfig(), ""))
    for plugin, config in builtin_plugin_configs().items():
        keys |= dict(config_keys(config, config(), f"plugins.{plugin}"))
    return keys


def env_name(key: str) -> str:
    return "SEGUE_" + "__".join(part.replace("-", "_") for part in key.split(".")).upper()


def flatten(
    data: dict[str, Any], prefix: str = "", leaves: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Key paths to values; a table is a section unless its path is a key in ``leaves``."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and path not in leaves:
            flat |= flatten(value, path, leaves)
        else:
            flat[path] = value
    return flat


def test_builtin_plugins_are_found() -> None:
    assert {"catalog-sqlite", "storage-local", "events-sqlite", "transcoder", "web"} <= set(
        builtin_plugin_configs()
    )


def test_every_config_key_is_in_config_md() -> None:
    text = (DOCS / "config.md").read_text(encoding="utf-8")
    missing = [key for key in all_config_keys() if f"`{key}`" not in text]
    assert missing == [], f"docs/config.md does not document: {missing}; {REGENERATE}"


def test_every_config_key_has_its_environment_variable_in_config_md() -> None:
    text = (DOCS / "config.md").read_text(encoding="utf-8")
    missing = [env_name(key) for key in all_config_keys() if env_name(key) not in text]
    assert missing == [], f"docs/config.md does not name: {missing}; {REGENERATE}"


def test_example_config_sets_every_key_to_its_default() -> None:
    expected = all_config_keys()
    # Dict-valued keys (e.g. a role -> quality table) are one key, not a section.
    example = flatten(
        tomllib.loads(EXAMPLE.read_text(encoding="utf-8")), leaves=frozenset(expected)
    )

    assert sorted(set(expected) - set(example)) == [], (
        f"keys missing from the example; {REGENERATE}"
    )
    assert sorted(set(example) - set(expected)) == [], f"keys the code lacks; {REGENERATE}"
    wrong = {
        key: (example[key], default) for key, default in expected.items() if example[key] != default
    }
    assert wrong == {}, f"example value != default (example, default); {REGENERATE}"


def test_example_config_sets_every_slot_backend() -> None:
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    defaults = SegueConfig()
    for slot in ("catalog", "search", "playlists", "presence", "events", "storage"):
        assert example[slot]["backend"] == getattr(defaults, slot).backend


def test_example_config_passes_validation() -> None:
    raw = read_raw_config(EXAMPLE, environ={})
    loaded = load_plugins(raw, load_config(raw))

    assert loaded.problems == []
    assert loaded.failed() == []
