"""Read the TOML file, apply SEGUE_* environment overrides, validate into structs.

Every problem is reported with the file, the key path, what was found and
what is allowed, so that `segue config check` can list them all at once.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from msgspec import inspect as mi

from segue.config.schema import SegueConfig
from segue.config.suggest import did_you_mean, one_of
from segue.errors import ConfigError
from segue.slots.registry import SLOT_NAMES

ENV_PREFIX = "SEGUE_"
# Variables with the prefix that are not config keys.
_ENV_NOT_KEYS = ("SEGUE_CONFIG", "SEGUE_TEST_")

S = TypeVar("S", bound=msgspec.Struct)


class RawConfig(msgspec.Struct, kw_only=True):
    """The merged file + environment, before validation."""

    data: dict[str, Any]
    source: str
    base_dir: str
    origins: dict[str, str] = {}
    """key path -> where it came from, for keys set by the environment."""

    def where(self, path: str) -> str:
        return self.origins.get(path, self.source)


def read_raw_config(
    path: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None
) -> RawConfig:
    """Parse the file (if any) and overlay ``SEGUE_<SECTION>__<KEY>`` variables."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        file = Path(path)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{file}: config file not found"]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{file}: cannot read config file: {exc}"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{file}: not valid TOML: {exc}"]) from None
        source, base_dir = str(file), str(file.resolve().parent)
    else:
        source, base_dir = "<defaults>", str(Path.cwd())
    raw = RawConfig(data=data, source=source, base_dir=base_dir)
    _apply_environment(raw, environ)
    return raw


def _apply_environment(raw: RawConfig, environ: Mapping[str, str]) -> None:
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name.startswith(_ENV_NOT_KEYS):
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        if len(parts) < 2 or not all(parts):
            raise ConfigError(
                [
                    f"environment variable {name}: expected SEGUE_<SECTION>__<KEY>, "
                    "e.g. SEGUE_SERVER__PORT=8090"
                ]
            )
        if parts[0] == "plugins" and len(parts) >= 3:
            # Shell variables cannot hold '-', plugin names do: catalog_sqlite -> catalog-sqlite.
            parts[1] = parts[1].replace("_", "-")
        node = raw.data
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError([f"environment variable {name}: '{part}' is not a section"])
            node = child
        node[parts[-1]] = _parse_env_value(value)
        raw.origins[".".join(parts)] = f"environment variable {name}"


def _parse_env_value(value: str) -> Any:
    """Read a value as TOML (numbers, booleans, arrays); anything else is a string."""
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def load_config(raw: RawConfig) -> SegueConfig:
    """Validate the core sections. Plugin sections are checked by the plugin loader.

    Each section is converted on its own so that one run reports every problem.
    """
    problems = unknown_keys(raw, SegueConfig, raw.data, prefix="", skip=_LOADER_FIELDS)
    plugins = raw.data.get("plugins", {})
    if not isinstance(plugins, dict) or not all(isinstance(v, dict) for v in plugins.values()):
        problems.append(
            f"{raw.source}: [plugins] must hold one table per plugin, e.g. [plugins.catalog-sqlite]"
        )
    info = mi.type_info(SegueConfig)
    assert isinstance(info, mi.StructType)
    for field in info.fields:
        name = field.encode_name
        if (
            name in _LOADER_FIELDS
            or name not in raw.data
            or not isinstance(field.type, mi.StructType)
        ):
            continue
        section = raw.data[name]
        if name in SLOT_NAMES and isinstance(section, dict) and "backend" not in section:
            section = {**section, "backend": getattr(SegueConfig(), name).backend}
        if isinstance(section, dict):
            # Unknown keys were reported above; check the types of the known ones.
            known = {f.encode_name for f in field.type.fields}
            section = {k: v for k, v in section.items() if k in known}
        try:
            convert_section(raw, field.type.cls, section, prefix=name)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    data = {**raw.data, "source": raw.source, "base_dir": raw.base_dir}
    defaults = SegueConfig()
    for slot in SLOT_NAMES:
        # A slot section may set other keys and leave the backend at its default.
        if isinstance(data.get(slot), dict) and "backend" not in data[slot]:
            data[slot] = {**data[slot], "backend": getattr(defaults, slot).backend}
    return convert_section(raw, SegueConfig, data, prefix="")


_LOADER_FIELDS = {"plugins", "source", "base_dir"}


def validate_plugin_section(raw: RawConfig, plugin: str, schema: type[S]) -> S:
    """Validate ``[plugins.<plugin>]`` against the plugin's own Config struct."""
    section = raw.data.get("plugins", {}).get(plugin, {})
    prefix = f"plugins.{plugin}"
    problems = unknown_keys(raw, schema, section, prefix=prefix, skip=set())
    if problems:
        raise ConfigError(problems)
    return convert_section(raw, schema, section, prefix=prefix)


def plugin_enabled(raw: RawConfig, plugin: str) -> bool:
    """Read ``[plugins.<plugin>] enabled`` without importing the plugin."""
    value = raw.data.get("plugins", {}).get(plugin, {}).get("enabled", True)
    if not isinstance(value, bool):
        raise ConfigError(
            [
                f"{raw.where(f'plugins.{plugin}.enabled')}: key 'plugins.{plugin}.enabled' "
                f"must be true or false, not {value!r}"
            ]
        )
    return value


def unknown_keys(
    raw: RawConfig, schema: type[msgspec.Struct], section: Any, *, prefix: str, skip: set[str]
) -> list[str]:
    """Every key of ``section`` (recursively) that ``schema`` does not have."""
    info = mi.type_info(schema)
    assert isinstance(info, mi.StructType)
    return _unknown_in(raw, info, section, prefix, skip)


def _unknown_in(
    raw: RawConfig, info: mi.StructType, section: Any, prefix: str, skip: set[str]
) -> list[str]:
    if not isinstance(section, dict):
        return []
    fields = {f.encode_name: f for f in info.fields}
    allowed = [name for name in fields if name not in skip]
    problems: list[str] = []
    for key, value in section.items():
        path = f"{prefix}.{key}" if prefix else key
        if key in skip:
            continue
        field = fields.get(key)
        if field is None:
            where = f"[{prefix}]" if prefix else "the top level"
            problems.append(
                f"{raw.where(path)}: unknown key '{path}'.{did_you_mean(key, allowed)} "
                f"Keys allowed in {where}: {one_of(allowed)}."
            )
            continue
        if isinstance(field.type, mi.StructType):
            problems += _unknown_in(raw, field.type, value, path, set())
    return problems


def convert_section(raw: RawConfig, schema: type[S], data: Any, *, prefix: str) -> S:
    try:
        return msgspec.convert(data, schema, str_keys=True)
    except msgspec.ValidationError as exc:
        raise ConfigError([_explain(raw, schema, data, prefix, str(exc))]) from None


def _explain(
    raw: RawConfig, schema: type[msgspec.Struct], data: Any, prefix: str, message: str
) -> str:
    """Turn msgspec's "Expected `int`, got `str` - at `$.server.port`" into words for admins."""
    detail, _, at = message.partition(" - at `")
    parts = [p for p in at.rstrip("`").removeprefix("$").split(".") if p] if at else []
    path = ".".join([p for p in [prefix, *parts] if p])
    found: Any = data
    for part in parts:
        found = found.get(part) if isinstance(found, dict) else None
    field_info = _field_type(schema, parts)
    if isinstance(field_info, mi.LiteralType) and found is not None:
        choices = [str(v) for v in field_info.values]
        return (
            f"{raw.where(path)}: key '{path}' must be one of {one_of(choices)}, "
            f"not {found!r}.{did_you_mean(str(found), choices)}"
        )
    if detail.startswith("Object missing required field"):
        return f"{raw.where(path or prefix)}: [{path or prefix}] {detail[0].lower()}{detail[1:]}"
    shown = f" = {found!r}" if found is not None else ""
    return f"{raw.where(path)}: key '{path}'{shown} is invalid: {detail[0].lower()}{detail[1:]}"


def _field_type(schema: type[msgspec.Struct], parts: list[str]) -> mi.Type | None:
    node: mi.Type = mi.type_info(schema)
    for part in parts:
        if not isinstance(node, mi.StructType):
            return None
        match = [f.type for f in node.fields if f.encode_name == part]
        if not match:
            return None
        node = match[0]
    return node


def resolve_path(config: SegueConfig, value: str) -> Path:
    """A config path made absolute against the config file's directory."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(config.base_dir) / path
