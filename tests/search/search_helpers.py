"""Search test helpers (imported as ``search_helpers``): a running Segue per backend, catalogs.

The contract tests run on every backend: ``embedded`` always, ``meilisearch``
and ``typesense`` only when ``SEGUE_TEST_MEILISEARCH_URL`` /
``SEGUE_TEST_TYPESENSE_URL`` point at a server (with
``SEGUE_TEST_MEILISEARCH_KEY`` / ``SEGUE_TEST_TYPESENSE_KEY`` as its API key);
otherwise they are skipped, saying which variable to set.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import anyio
import pytest

import segue.api.search
from segue.context import SegueContext
from segue.models import ScanChanges, ScannedTrack, Track
from segue.plugins.manager import CORE_PLUGINS

RELEVANCE = Path(__file__).with_name("relevance.toml")

_EXTERNAL = {
    "meilisearch": ("SEGUE_TEST_MEILISEARCH_URL", "SEGUE_TEST_MEILISEARCH_KEY", "index"),
    "typesense": ("SEGUE_TEST_TYPESENSE_URL", "SEGUE_TEST_TYPESENSE_KEY", "collection"),
}
_EXAMPLE_URL = {"meilisearch": "http://127.0.0.1:7700", "typesense": "http://127.0.0.1:8108"}


def _backend_param(name: str) -> Any:
    if name not in _EXTERNAL:
        return pytest.param(name, id=name)
    url_var = _EXTERNAL[name][0]
    return pytest.param(
        name,
        id=name,
        marks=pytest.mark.skipif(
            not os.environ.get(url_var),
            reason=f"{url_var} is not set: export it (e.g. {_EXAMPLE_URL[name]}) to run "
            f"the search contract against a {name} server",
        ),
    )


BACKENDS = [_backend_param(n) for n in ("embedded", "meilisearch", "typesense")]


def search_plugins() -> list[tuple[str, object]]:
    """The search core plugin, registered by hand until it is listed in CORE_PLUGINS."""
    if "segue.api.search" in CORE_PLUGINS:
        return []
    return [("segue.api.search", segue.api.search)]


def backend_config(backend: str) -> str:
    """TOML selecting ``backend``; external engines get a fresh index per test."""
    lines = f'[search]\nbackend = "{backend}"\n\n'
    if backend in _EXTERNAL and os.environ.get(_EXTERNAL[backend][0]):
        url_var, key_var, index_key = _EXTERNAL[backend]
        lines += (
            f"[plugins.search-{backend}]\n"
            f'url = "{os.environ[url_var]}"\n'
            f'api_key = "{os.environ.get(key_var, "")}"\n'
            f'{index_key} = "segue-test-{uuid.uuid4().hex[:12]}"\n\n'
        )
    return lines


OpenSearch = Callable[..., AbstractAsyncContextManager[SegueContext]]
"""The ``open_search`` fixture's type (see conftest.py)."""


def load_relevance() -> dict[str, Any]:
    return tomllib.loads(RELEVANCE.read_text(encoding="utf-8"))


def scanned(n: int, title: str, artist: str, album: str | None = None, **tags: Any) -> ScannedTrack:
    """A ScannedTrack as the scanner would report it (the file need not exist)."""
    return ScannedTrack(
        root="/music",
        relpath=f"{artist}/{album or 'singles'}/{n:03d} {title}.flac",
        size=1000 + n,
        mtime_ns=n,
        content_key=f"key-{n}-{uuid.uuid4().hex}",
        codec="flac",
        duration_ms=180_000,
        title=title,
        artists=[artist],
        album=album,
        **tags,
    )


async def add_tracks(
    context: SegueContext, tracks: list[ScannedTrack], plays: list[int] | None = None
) -> list[Track]:
    """Store tracks through the catalog slot (as a scan does) and set their play counts."""
    applied = await context.catalog.apply_scan(ScanChanges(root="/music", added=tracks))
    if plays:
        by_path = {t.relpath: p for t, p in zip(tracks, plays, strict=True)}
        counts = {t.id: by_path[t.relpath] for t in applied.added if by_path.get(t.relpath)}
        await context.catalog.add_play_counts(counts)
    return await context.catalog.get_tracks([t.id for t in applied.added])


async def add_relevance_catalog(context: SegueContext) -> list[Track]:
    data = load_relevance()
    tracks = [
        scanned(
            n,
            t["title"],
            t["artist"],
            t["album"],
            year=t["year"],
            genres=[t["genre"]],
        )
        for n, t in enumerate(data["tracks"])
    ]
    return await add_tracks(context, tracks, [t["plays"] for t in data["tracks"]])


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 15.0) -> None:
    """Poll ``check`` until it is true; fail saying ``what`` did not happen in ``within`` s."""
    for _ in range(int(within / 0.05)):
        if await check():
            return
        await anyio.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {within:.0f} s")


async def drain(context: SegueContext) -> None:
    """Wait until the running consumers have applied every queued search index update."""
    from segue.search import indexer

    async def applied() -> bool:
        return await context.events.lag(indexer.SEARCH_TOPIC, indexer.SEARCH_GROUP) == 0

    await eventually(applied, "applying the queued search index updates")
