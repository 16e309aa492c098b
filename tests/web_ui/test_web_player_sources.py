"""Rules the web player's own sources keep (the files the browser runs)."""

from __future__ import annotations

import re
from pathlib import Path

from segue_web.plugin import static_dir

# sw.js and offline.js belong to the offline feature; the rules hold for every module.
MODULES = sorted((static_dir() / "js").rglob("*.js"))
HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write")


def _relative(path: Path) -> str:
    return str(path.relative_to(static_dir()))


def test_modules_are_found() -> None:
    names = {_relative(p) for p in MODULES}
    assert {"js/app.js", "js/player.js", "js/api.js", "js/views/admin.js"} <= names


def test_no_module_builds_html_from_strings() -> None:
    """Titles and names come from users' files: markup is built with DOM calls only (no XSS)."""
    offenders = [_relative(p) for p in MODULES if HTML_SINKS.search(p.read_text())]
    assert not offenders, f"these modules write HTML strings into the page: {offenders}"


def test_no_module_logs_errors_to_the_console() -> None:
    """The end-to-end suite fails on console errors: problems go to the page's notices instead."""
    offenders = [_relative(p) for p in MODULES if "console.error(" in p.read_text()]
    assert not offenders, f"use ui.failed()/toast() instead of console.error in {offenders}"


def test_index_page_loads_the_app_as_a_module() -> None:
    index = (static_dir() / "index.html").read_text()
    assert '<script type="module" src="/web/js/app.js">' in index
    assert '<html lang="en">' in index
    assert 'name="viewport"' in index
    # Every stylesheet and module it names exists in the package.
    for ref in re.findall(r'(?:href|src)="/web/([^"]+)"', index):
        assert (static_dir() / ref).is_file(), f"index.html names /web/{ref}, which is missing"
