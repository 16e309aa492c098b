"""Regenerate docs/openapi.json and docs/api-reference.md from the app itself.

    .venv/bin/python docs/generate_api_reference.py

Builds the Litestar app the way ``segue serve`` does, with the default config
and every plugin shipped in this repository (other installed plugins are
disabled, so a developer's extra plugins never leak into the docs), then
writes its OpenAPI document and a Markdown page listing every operation:
method, path, summary, who may call it, parameters, request and response
schemas. tests/docs fails until this is run after an endpoint changes.
"""

from __future__ import annotations

import json
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NamedTuple

from litestar import Litestar
from litestar._openapi.schema_generation.examples import ExampleFactory
from litestar.handlers import WebsocketRouteHandler
from litestar.routes import HTTPRoute, WebSocketRoute
from litestar.serialization import encode_json

from segue.app import create_app
from segue.auth.guards import admin_only
from segue.auth.middleware import PUBLIC_OPT_KEY
from segue.runtime import load

REPO = Path(__file__).resolve().parents[1]
OPENAPI_JSON = REPO / "docs" / "openapi.json"
REFERENCE_MD = REPO / "docs" / "api-reference.md"
METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

HEADER = """\
# API reference

Every operation of Segue's HTTP API, as served by a fresh install (the
default configuration and every plugin shipped with Segue). This page and the
OpenAPI document [`openapi.json`](openapi.json) (for client generators) are
generated from the code by `.venv/bin/python docs/generate_api_reference.py`
(also run by `make docs`); a running Segue serves the same document at
`/api/docs/openapi.json` and renders it at `/api/docs`. How to authenticate,
page and read errors is in [the API guide](api.md).

**Who may call it:** *public* needs no credentials; *user* needs a login
token or an API key (`Authorization: Bearer <token>` or `X-API-Key`);
*admin* needs those of an administrator. Schema names refer to
`components.schemas` in `openapi.json`; errors are
[problem details](api.md) (`application/problem+json`). The Subsonic API
under `/rest` is not part of this document: see [Subsonic apps](subsonic.md).
"""


class Access(NamedTuple):
    """Who may call one operation, keyed by (method, path) in the OpenAPI document."""

    method: str
    path: str
    who: str


def shipped_plugins() -> set[str]:
    """Entry point names of the plugins in plugins/, the transcoder and the web player."""
    names: set[str] = set()
    for pyproject in [
        *(REPO / "plugins").glob("*/pyproject.toml"),
        REPO / "transcoder" / "pyproject.toml",
        REPO / "web" / "pyproject.toml",
    ]:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        names |= set(project.get("entry-points", {}).get("segue", {}))
    return names


def build_app(data_dir: Path) -> Litestar:
    """The app of a fresh install, with only the shipped plugins, keeping its data in data_dir."""
    others = {ep.name for ep in entry_points(group="segue")} - shipped_plugins()
    overrides: dict[str, Any] = {"server.data_dir": str(data_dir)}
    overrides |= {f"plugins.{name}.enabled": False for name in sorted(others)}
    _raw, _plugins, context = load(None, overrides=overrides, environ={})
    return create_app(context, manage_lifecycle=False)


def openapi_document(app: Litestar) -> dict[str, Any]:
    """The document as the app serves it (Litestar's encoder: bytes defaults become base64)."""
    # Litestar makes random examples for responses declared with generate_examples=True
    # (the stream's 206); its factory is seeded once per process, so reseed it to get the
    # same document on every run, as a freshly started server would serve it.
    ExampleFactory.seed_random(ExampleFactory.__random_seed__)
    document: dict[str, Any] = json.loads(encode_json(app.openapi_schema.to_schema()))
    return document


def access_of(app: Litestar) -> Iterator[Access]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            # Litestar wraps sync guards; the original is kept as .func.
            guards = [getattr(guard, "func", guard) for guard in handler.resolve_guards()]
            # opt holds the handler's own options merged with its routers'.
            if handler.opt.get(PUBLIC_OPT_KEY):
                who = "public"
            elif admin_only in guards:
                who = "admin"
            else:
                who = "user"
            for method in handler.http_methods:
                yield Access(method, route.path_format, who)


def websockets_of(app: Litestar) -> Iterator[tuple[str, str]]:
    """(path, first line of the handler's docstring) of every WebSocket endpoint."""
    for route in app.routes:
        if isinstance(route, WebSocketRoute):
            handler = route.route_handler
            assert isinstance(handler, WebsocketRouteHandler)
            doc = (handler.fn.__doc__ or "").strip().split("\n")[0]
            yield route.path, doc


def schema_name(schema: dict[str, Any]) -> str:
    """A short, readable name for a JSON schema: its component name, or its shape."""
    if "$ref" in schema:
        return "`" + str(schema["$ref"]).rsplit("/", 1)[-1] + "`"
    for combiner in ("oneOf", "anyOf"):
        if combiner in schema:
            return " or ".join(schema_name(s) for s in schema[combiner])
    kind = schema.get("type")
    if kind == "array":
        return f"list of {schema_name(schema.get('items', {}))}"
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "string" and schema.get("format") == "binary":
        return "bytes"
    return str(kind) if kind else "any"


def body_names(content: dict[str, Any]) -> str:
    """``application/json: X``, one per media type, JSON named by its schema."""
    names = []
    for media_type, item in sorted(content.items()):
        schema = item.get("schema", {})
        if media_type == "application/json":
            names.append(schema_name(schema))
        else:
            names.append(f"{media_type} ({schema_name(schema)})" if schema else media_type)
    return ", ".join(names)


def responses_text(responses: dict[str, Any]) -> str:
    parts = []
    for status, response in sorted(responses.items()):
        body = body_names(response.get("content", {}))
        parts.append(f"{status}: {body}" if body else status)
    return "<br>".join(parts)


def parameters_text(parameters: Iterable[dict[str, Any]]) -> str:
    shown = []
    for parameter in parameters:
        where = parameter.get("in", "")
        if where == "path":
            continue  # already in the path column
        required = "" if parameter.get("required") else "?"
        shown.append(f"`{parameter['name']}{required}` ({where})")
    return ", ".join(shown) or "-"


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown(
    document: dict[str, Any], access: Iterable[Access], sockets: Iterable[tuple[str, str]]
) -> str:
    who = {(a.method, a.path): a.who for a in access}
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method.upper() not in METHOD_ORDER:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append((path, method.upper(), operation))
    lines = [HEADER]
    total = sum(len(ops) for ops in by_tag.values())
    lines.append(f"{total} operations in {len(by_tag)} groups, by tag.\n")
    for tag in sorted(by_tag):
        lines += [
            f"## {tag}",
            "",
            "| operation | summary | who | parameters | request body | responses |",
            "|---|---|---|---|---|---|",
        ]
        operations = sorted(by_tag[tag], key=lambda o: (o[0], METHOD_ORDER.index(o[1])))
        for path, method, operation in operations:
            body = body_names(operation.get("requestBody", {}).get("content", {})) or "-"
            lines.append(
                f"| `{method} {path}`<br>`{operation.get('operationId', '')}` "
                f"| {cell(operation.get('summary', ''))} "
                f"| {who.get((method, path), 'user')} "
                f"| {parameters_text(operation.get('parameters', []))} "
                f"| {body} "
                f"| {responses_text(operation.get('responses', {}))} |"
            )
        lines.append("")
    socket_list = sorted(sockets)
    if socket_list:
        lines += [
            "## WebSocket endpoints",
            "",
            "Not part of the OpenAPI document. They authenticate like the HTTP API.",
            "",
            "| path | what |",
            "|---|---|",
            *(f"| `{path}` | {cell(doc)} |" for path, doc in socket_list),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def render() -> tuple[str, str]:
    """(openapi.json text, api-reference.md text) as they should be."""
    with tempfile.TemporaryDirectory(prefix="segue-docs-") as data_dir:
        app = build_app(Path(data_dir))
        document = openapi_document(app)
        access = list(access_of(app))
        sockets = list(websockets_of(app))
    openapi_text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return openapi_text, markdown(document, access, sockets)


def main() -> None:
    openapi_text, reference = render()
    OPENAPI_JSON.write_text(openapi_text, encoding="utf-8")
    REFERENCE_MD.write_text(reference, encoding="utf-8")
    print(f"wrote {OPENAPI_JSON.relative_to(REPO)} and {REFERENCE_MD.relative_to(REPO)}")


if __name__ == "__main__":
    main()
