"""The generated pages (hook reference, API reference, openapi.json) match the code."""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest
from docs_generators import generator

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
HOOKS = generator("generate_hooks_reference")
API = generator("generate_api_reference")


# --- hooks.md ---------------------------------------------------------------


def test_hooks_md_is_up_to_date_with_hookspecs() -> None:
    current = (DOCS / "hooks.md").read_text(encoding="utf-8")

    assert HOOKS.render(current, HOOKS.specs()) == current, (
        "docs/hooks.md is stale; run `.venv/bin/python docs/generate_hooks_reference.py`"
    )


def test_hooks_md_shows_each_docstring_and_its_arguments() -> None:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    spec = next(s for s in HOOKS.specs() if s.name == "playback_event")

    block = text.split("<!-- hook:playback_event -->")[1].split("<!-- /hook:playback_event -->")[0]
    assert "def playback_event(context: SegueContext, event: PlaybackEvent)" in block
    assert spec.doc.splitlines()[0] in block
    assert "* `event`: the playback report." in block


def test_a_new_hook_gets_a_block_and_hand_written_examples_are_kept() -> None:
    specs = HOOKS.specs()
    startup = next(s for s in specs if s.name == "startup")
    text = HOOKS.render("# Hooks\n\nIntro.\n", [startup])
    text += "\nAn example, by hand.\n"

    again = HOOKS.render(text, [*specs[:1], startup])

    assert again.startswith("# Hooks\n\nIntro.\n")
    assert f"## {specs[0].name}(" in again
    assert again.index(f"## {specs[0].name}(") < again.index("## startup(context)")
    assert again.rstrip().endswith("An example, by hand.")


def test_a_removed_hook_loses_its_section() -> None:
    specs = HOOKS.specs()
    text = HOOKS.render("# Hooks\n", specs[:2])

    assert f"## {specs[1].name}(" not in HOOKS.render(text, specs[:1])


def test_a_hand_written_section_without_markers_is_adopted() -> None:
    startup = next(s for s in HOOKS.specs() if s.name == "startup")
    text = "# Hooks\n\n## startup(context)\n\nMy notes.\n"

    rendered = HOOKS.render(text, [startup])

    assert rendered.count("## startup(context)") == 1
    assert "<!-- /hook:startup -->\n\nMy notes.\n" in rendered


def test_hand_written_examples_in_hooks_md_are_valid_python() -> None:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    # The generated signature blocks are declarations without bodies: leave them out.
    handwritten = re.sub(r"<!-- hook:(\w+) -->.*?<!-- /hook:\1 -->", "", text, flags=re.S)
    examples = re.findall(r"^```python\n(.*?)^```", handwritten, flags=re.S | re.M)

    assert len(examples) >= 10
    for example in examples:
        ast.parse(example)


def test_rest_roles_become_markdown() -> None:
    assert HOOKS.markdown_text("a :class:`~segue.context.SegueContext` and ``x``") == (
        "a `SegueContext` and `x`"
    )


# --- API reference ------------------------------------------------------------


@cache
def rendered_api() -> tuple[str, str]:
    result: tuple[str, str] = API.render()
    return result


def test_openapi_json_is_up_to_date() -> None:
    openapi_text, _ = rendered_api()

    assert (DOCS / "openapi.json").read_text(encoding="utf-8") == openapi_text, (
        "docs/openapi.json is stale; run `.venv/bin/python docs/generate_api_reference.py`"
    )


def test_api_reference_md_is_up_to_date() -> None:
    _, reference = rendered_api()

    assert (DOCS / "api-reference.md").read_text(encoding="utf-8") == reference, (
        "docs/api-reference.md is stale; run `.venv/bin/python docs/generate_api_reference.py`"
    )


def test_generating_twice_gives_the_same_pages() -> None:
    # Litestar's generated examples are random; a second app in one process must match.
    assert API.render() == rendered_api()


def test_api_reference_lists_every_operation_of_the_openapi_document() -> None:
    openapi_text, reference = rendered_api()
    document = json.loads(openapi_text)
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method.upper() in API.METHOD_ORDER
    }

    listed = set(re.findall(r"^\| `([A-Z]+ /[^`]*)`", reference, re.MULTILINE))
    assert len(operations) > 40
    assert listed == operations


@pytest.mark.parametrize(
    ("operation", "who"),
    [
        ("GET /api/v1/health", "public"),
        ("POST /api/v1/auth/login", "public"),
        ("GET /api/v1/me", "user"),
        ("GET /api/v1/admin/users", "admin"),
        ("GET /api/v1/signed/tracks/{track_id}/stream", "public"),
    ],
)
def test_api_reference_says_who_may_call(operation: str, who: str) -> None:
    _, reference = rendered_api()

    row = next(line for line in reference.splitlines() if line.startswith(f"| `{operation}`"))
    assert row.split(" | ")[2] == who


def test_api_reference_names_request_and_response_schemas() -> None:
    _, reference = rendered_api()

    login = next(line for line in reference.splitlines() if "`POST /api/v1/auth/login`" in line)
    assert "`LoginRequest`" in login
    assert "200: `LoginResponse`" in login
    assert "| `/api/v1/ws` |" in reference
