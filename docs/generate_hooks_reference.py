"""Regenerate the per-hook reference blocks of docs/hooks.md from core/src/segue/hookspecs.py.

    .venv/bin/python docs/generate_hooks_reference.py

Each hook's heading, signature, docstring and arguments are written between
``<!-- hook:<name> -->`` and ``<!-- /hook:<name> -->`` markers; the
hand-written notes and examples after each block, and the introduction before
the first hook, are kept. Hooks come in the order hookspecs.py defines them; a
new hook gets a block (add its example below it), a removed hook's section is
dropped. tests/docs fails until this is run after a hook spec changes.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import NamedTuple

from segue import hookspecs

REPO = Path(__file__).resolve().parents[1]
HOOKS_MD = REPO / "docs" / "hooks.md"
START = re.compile(r"^<!-- hook:(\w+) -->$", re.MULTILINE)
HEADING = re.compile(r"^## (\w+)\(", re.MULTILINE)


class Spec(NamedTuple):
    name: str
    signature: inspect.Signature
    doc: str


def specs() -> list[Spec]:
    """Every hook spec, in the order hookspecs.py defines them."""
    found = [
        (function.__code__.co_firstlineno, function)
        for function in vars(hookspecs).values()
        if callable(function) and hasattr(function, "segue_spec")
    ]
    return [
        Spec(f.__name__, inspect.signature(f), inspect.getdoc(f) or "") for _, f in sorted(found)
    ]


def markdown_text(rst: str) -> str:
    """The docstrings' reST roles and literals, as Markdown."""
    text = re.sub(r":\w+:`~[\w.]*?\.(\w+)`", r"`\1`", rst)  # :class:`~a.b.C` -> `C`
    text = re.sub(r":\w+:`([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def render_docstring(doc: str) -> str:
    """The docstring's paragraphs, then its ``:param name: text`` lines as a list."""
    body, params, current = [], [], None
    for line in doc.splitlines():
        match = re.match(r":param (\w+):\s*(.*)", line)
        if match:
            current = [match.group(1), match.group(2)]
            params.append(current)
        elif current is not None and line.strip():
            current[1] += " " + line.strip()
        else:
            current = None
            body.append(line)
    text = markdown_text("\n".join(body).strip())
    if params:
        text += "\n\nArguments:\n\n" + "\n".join(
            f"* `{name}`: {markdown_text(what)}" for name, what in params
        )
    return text


def signature_line(spec: Spec) -> str:
    parameters = ", ".join(
        f"{p.name}: {p.annotation}" if p.annotation is not inspect.Parameter.empty else p.name
        for p in spec.signature.parameters.values()
    )
    returns = spec.signature.return_annotation
    arrow = "" if returns is inspect.Signature.empty else f" -> {returns}"
    return f"def {spec.name}({parameters}){arrow}"


def generated_block(spec: Spec) -> str:
    arguments = ", ".join(spec.signature.parameters)
    return "\n".join(
        [
            f"<!-- hook:{spec.name} -->",
            f"## {spec.name}({arguments})",
            "",
            "```python",
            signature_line(spec),
            "```",
            "",
            render_docstring(spec.doc),
            f"<!-- /hook:{spec.name} -->",
        ]
    )


def split_sections(text: str) -> tuple[str, dict[str, str]]:
    """The introduction, and each hook's hand-written text (what follows its generated block).

    A section someone wrote by hand, without markers, keeps everything after its heading.
    """
    starts = sorted(
        [(m.start(), m.group(1)) for m in START.finditer(text)]
        + [
            (m.start(), m.group(1))
            for m in HEADING.finditer(text)
            if not text[: m.start()].endswith(f"<!-- hook:{m.group(1)} -->\n")
        ]
    )
    if not starts:
        return text.rstrip() + "\n", {}
    intro = text[: starts[0][0]]
    handwritten: dict[str, str] = {}
    for (begin, name), (end, _) in zip(starts, [*starts[1:], (len(text), "")], strict=True):
        section = text[begin:end]
        marker_end = f"<!-- /hook:{name} -->"
        if section.startswith("<!--") and marker_end in section:
            rest = section.split(marker_end, 1)[1]
        else:
            rest = section.split("\n", 1)[1] if "\n" in section else ""
        handwritten[name] = handwritten.get(name, "") + rest.strip("\n")
    return intro, handwritten


def render(current: str, found: list[Spec]) -> str:
    intro, handwritten = split_sections(current)
    parts = [intro.rstrip("\n")]
    for spec in found:
        section = generated_block(spec)
        notes = handwritten.get(spec.name, "").strip("\n")
        parts.append(f"{section}\n\n{notes}" if notes else section)
    return "\n\n".join(parts) + "\n"


def main() -> None:
    text = render(HOOKS_MD.read_text(encoding="utf-8"), specs())
    HOOKS_MD.write_text(text, encoding="utf-8")
    print(f"wrote {HOOKS_MD.relative_to(REPO)}")


if __name__ == "__main__":
    main()
