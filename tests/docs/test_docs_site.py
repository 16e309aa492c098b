"""The docs build as a site with `mkdocs build --strict`: no broken link, no page left out of the nav."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).with_name("mkdocs")


def nav_pages(nav: Any) -> Iterator[str]:
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from nav_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from nav_pages(value)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(target)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    problems = [line for line in result.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert result.returncode == 0, "mkdocs build --strict failed:\n" + "\n".join(
        problems or [result.stderr]
    )
    return target


def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    return loaded


def test_site_builds_strictly_with_every_page(site: Path) -> None:
    pages = sorted(p.relative_to(REPO / "docs") for p in (REPO / "docs").rglob("*.md"))

    for page in pages:
        built = site / (
            "index.html" if page.name == "index.md" else page.with_suffix("") / "index.html"
        )
        assert built.is_file(), f"docs/{page} was not built into the site"


def test_site_ships_the_openapi_document_but_not_the_generators(site: Path) -> None:
    assert (site / "openapi.json").is_file()
    assert list(site.rglob("*.py")) == []


def test_nav_lists_every_page_once_and_only_pages_that_exist() -> None:
    listed = list(nav_pages(config()["nav"]))
    pages = sorted(str(p.relative_to(REPO / "docs")) for p in (REPO / "docs").rglob("*.md"))

    assert sorted(listed) == pages
    assert len(set(listed)) == len(listed)


def test_nav_has_a_section_for_each_audience() -> None:
    sections = {next(iter(item)) for item in config()["nav"] if isinstance(item, dict)}

    assert {"Self-hosters and admins", "Listeners", "Plugin authors", "API users"} <= sections


def test_site_is_built_into_an_ignored_folder() -> None:
    site_dir = config()["site_dir"]
    result = subprocess.run(
        ["git", "check-ignore", "-q", site_dir], cwd=REPO, capture_output=True, check=False
    )

    assert config()["strict"] is True
    assert result.returncode == 0, f"site_dir {site_dir} is not git-ignored"
