"""Regenerate the key tables of docs/config.md and config/segue.example.toml from the code.

    .venv/bin/python docs/generate_config_reference.py

Reads the core's config structs and the ``Config`` of every plugin in
``plugins/`` (their field docstrings are the descriptions), then rewrites the
part of docs/config.md between the ``keys:start``/``keys:end`` markers and the
whole example config. tests/docs fails until this is run after a config
field is added, removed or given a new default.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
from msgspec import inspect as mi

from segue.config.schema import PluginConfig, SegueConfig

REPO = Path(__file__).resolve().parents[1]
CONFIG_MD = REPO / "docs" / "config.md"
EXAMPLE = REPO / "config" / "segue.example.toml"
START, END = "<!-- keys:start -->", "<!-- keys:end -->"
NOT_KEYS = {"plugins", "source", "base_dir"}  # set by the loader, not by admins

EXAMPLE_HEADER = """\
# Segue's configuration, with every key at its default.
#
# Copy this file, keep what you change, and check it:
#     .venv/bin/segue config check segue.toml
#     .venv/bin/segue serve --config segue.toml      (or: make run CONFIG=segue.toml)
# Every key can also be set from the environment as SEGUE_<SECTION>__<KEY>, e.g.
# SEGUE_SERVER__PORT=9000 or SEGUE_PLUGINS__CATALOG_SQLITE__PATH=/var/lib/segue/catalog.sqlite3.
# Relative paths are resolved against the directory of this file.
# Every key is described in docs/config.md.

"""


class Section(NamedTuple):
    path: str
    schema: type[msgspec.Struct]
    defaults: msgspec.Struct
    doc: str


class Key(NamedTuple):
    name: str
    type: mi.Type
    default: Any
    doc: str


def field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings (a string right after an annotated field), base classes included."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, after in zip(body, [*body[1:], None], strict=True):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[stmt.target.id] = " ".join(after.value.value.split())
    return docs


def keys_of(section: Section) -> Iterator[Key]:
    info = mi.type_info(section.schema)
    assert isinstance(info, mi.StructType)
    docs = field_docs(section.schema)
    # `enabled` first in plugin sections: it is the key every plugin has.
    for field in sorted(info.fields, key=lambda f: f.encode_name != "enabled"):
        if field.encode_name in NOT_KEYS:
            continue
        default = msgspec.to_builtins(getattr(section.defaults, field.name))
        yield Key(field.encode_name, field.type, default, docs.get(field.name, ""))


def sections() -> list[Section]:
    found: list[Section] = []
    info = mi.type_info(SegueConfig)
    assert isinstance(info, mi.StructType)
    docs, defaults = field_docs(SegueConfig), SegueConfig()
    for field in info.fields:
        if field.encode_name not in NOT_KEYS and isinstance(field.type, mi.StructType):
            found.append(
                Section(
                    field.encode_name,
                    field.type.cls,
                    getattr(defaults, field.name),
                    docs.get(field.name, ""),
                )
            )
    for pyproject in plugin_pyprojects():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        for name, target in project.get("entry-points", {}).get("segue", {}).items():
            schema = getattr(importlib.import_module(target), "Config", PluginConfig)
            what = project.get("description", "").removeprefix("Segue plugin: ")
            doc = f"Plugin {name} (distribution {project['name']}): {what[:1].upper()}{what[1:]}"
            found.append(Section(f"plugins.{name}", schema, schema(), doc))
    return found


def plugin_pyprojects() -> list[Path]:
    """Every shipped distribution that registers plugins: plugins/*, the transcoder, the web player."""
    return [
        *sorted((REPO / "plugins").glob("*/pyproject.toml")),
        REPO / "transcoder" / "pyproject.toml",
        REPO / "web" / "pyproject.toml",
    ]


def type_name(t: mi.Type) -> str:
    if isinstance(t, mi.StrType):
        return "string"
    if isinstance(t, mi.BoolType):
        return "boolean"
    if isinstance(t, mi.IntType | mi.FloatType):
        bounds = [
            f"{symbol} {value}"
            for attr, symbol in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"))
            if (value := getattr(t, attr, None)) is not None
        ]
        base = "integer" if isinstance(t, mi.IntType) else "number"
        return base + (f" ({', '.join(bounds)})" if bounds else "")
    if isinstance(t, mi.ListType):
        return f"list of {type_name(t.item_type)}s"
    if isinstance(t, mi.LiteralType):
        return "one of " + ", ".join(f'"{v}"' for v in t.values)
    if isinstance(t, mi.UnionType):
        return " or ".join(type_name(member) for member in t.types)
    if isinstance(t, mi.NoneType):
        return "none"
    return type(t).__name__.removesuffix("Type").lower()


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


def env_name(key: str) -> str:
    return "SEGUE_" + "__".join(part.replace("-", "_") for part in key.split(".")).upper()


def markdown(found: list[Section]) -> str:
    lines: list[str] = []
    for section in found:
        lines += [f"### `[{section.path}]`", ""]
        if section.doc:
            lines += [section.doc, ""]
        lines += [
            "| key | type | default | environment variable | meaning |",
            "|---|---|---|---|---|",
        ]
        for key in keys_of(section):
            path = f"{section.path}.{key.name}"
            doc = key.doc.replace("|", "\\|")
            lines.append(
                f"| `{path}` | {type_name(key.type)} | `{toml_value(key.default)}` "
                f"| `{env_name(path)}` | {doc} |"
            )
        lines.append("")
    return "\n".join(lines)


def example(found: list[Section]) -> str:
    lines: list[str] = []
    for section in found:
        lines += [f"# {line}" for line in textwrap.wrap(section.doc, 96)]
        lines.append(f"[{section.path}]")
        for key in keys_of(section):
            # One line per key: the whole docstring when short, else its first sentence.
            doc = key.doc if len(key.doc) <= 110 else key.doc.split(". ")[0].rstrip(".") + "."
            lines += [f"# {doc}", f"{key.name} = {toml_value(key.default)}"]
        lines.append("")
    return EXAMPLE_HEADER + "\n".join(lines).rstrip() + "\n"


def main() -> None:
    found = sections()
    text = CONFIG_MD.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    CONFIG_MD.write_text(
        f"{head}{START}\n{markdown(found).rstrip()}\n{END}{tail}", encoding="utf-8"
    )
    EXAMPLE.write_text(example(found), encoding="utf-8")
    print(f"wrote {CONFIG_MD.relative_to(REPO)} and {EXAMPLE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
