"""Acceptance: a file added to the library and rescanned becomes searchable without a full
reindex; deleting it removes it from the results (real scanner, real files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import anyio
import pytest
from search_helpers import OpenSearch, drain

from segue.context import SegueContext
from segue.models import ListQuery
from segue.search import service
from segue.slots.search import SearchQuery
from segue_catalog_filesystem.scanner import scan_library

pytestmark = pytest.mark.anyio


async def _hits(context: SegueContext, title: str) -> set[str]:
    found = await service.search(context, SearchQuery(text=title, types=["track"], limit=100))
    return {h.ref for h in found["track"].hits}


async def test_rescan_adds_and_removes_without_reindex(
    open_search: OpenSearch, demo_library: Path, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    await anyio.to_thread.run_sync(shutil.copytree, demo_library, library)
    async with open_search("embedded", role="worker", library=[library]) as context:
        await scan_library(context)
        await drain(context)
        page = await context.catalog.list_tracks(ListQuery(limit=1, sort="title"))
        track = page.items[0]
        before = await _hits(context, track.title)
        assert track.id in before

        source = library / track.relpath
        copy = library / "Added Later" / f"copy{source.suffix}"
        copy.parent.mkdir()
        await anyio.to_thread.run_sync(shutil.copy2, source, copy)
        rebuilds = await context.search.count()  # type: ignore[union-attr]
        await scan_library(context)
        await drain(context)
        after_add = await _hits(context, track.title)
        assert len(after_add) == len(before) + 1
        assert await context.search.count() > rebuilds  # type: ignore[union-attr]

        copy.unlink()
        await scan_library(context)
        await drain(context)
        assert await _hits(context, track.title) == before
