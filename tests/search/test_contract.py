"""The search slot's contract on every backend: documents, index following the catalog
hooks through the events slot, restarts, and an unreachable engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_helpers import BACKENDS, OpenSearch, add_tracks, drain, eventually, scanned

from segue.context import SegueContext
from segue.models import ScanChanges
from segue.search import indexer, service
from segue.search.service import SearchUnavailable
from segue.slots.search import SearchQuery

pytestmark = pytest.mark.anyio


async def labels(context: SegueContext, q: str, kind: str = "track") -> list[str]:
    found = await service.search(context, SearchQuery(text=q, types=[kind]))  # type: ignore[list-item]
    return [h.label for h in found[kind].hits]  # type: ignore[index]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_rebuild_indexes_tracks_albums_and_artists(
    open_search: OpenSearch, backend: str
) -> None:
    async with open_search(backend) as context:
        await add_tracks(
            context,
            [
                scanned(1, "Paranoid Android", "Radiohead", "OK Computer", year=1997),
                scanned(2, "Karma Police", "Radiohead", "OK Computer", year=1997),
            ],
        )
        count = await indexer.rebuild(context)
        assert count == 4  # two tracks, one album, one artist
        assert await context.search.count() == 4  # type: ignore[union-attr]
        assert await labels(context, "paranoid") == ["Paranoid Android"]
        assert await labels(context, "radiohed", "artist") == ["Radiohead"]
        assert await labels(context, "ok comp", "album") == ["OK Computer"]
        assert sorted(await labels(context, "radiohead")) == ["Karma Police", "Paranoid Android"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_index_follows_catalog_hooks_without_rebuild(
    open_search: OpenSearch, backend: str
) -> None:
    async with open_search(backend, role="worker") as context:
        catalog = context.catalog
        applied = await catalog.apply_scan(
            ScanChanges(
                root="/music",
                added=[
                    scanned(1, "Teardrop", "Massive Attack", "Mezzanine"),
                    scanned(2, "Angel", "Massive Attack", "Mezzanine"),
                ],
            )
        )
        await context.notify("catalog_tracks_added", tracks=applied.added)
        await drain(context)
        assert sorted(await labels(context, "massive attack")) == ["Angel", "Teardrop"]
        assert await labels(context, "mezzanine", "album") == ["Mezzanine"]

        # A retag: the new title is found, the old one is not.
        teardrop = next(t for t in applied.added if t.title == "Teardrop")
        retagged = scanned(1, "Teardrop (Remastered)", "Massive Attack", "Mezzanine")
        changed = await catalog.apply_scan(
            ScanChanges(root="/music", updated=[(teardrop.id, retagged)])
        )
        await context.notify("catalog_tracks_changed", tracks=changed.changed)
        await drain(context)
        assert await labels(context, "remastered") == ["Teardrop (Remastered)"]

        # Files gone: their tracks leave the results, then the emptied album and artist too.
        ids = [t.id for t in applied.added]
        removed = await catalog.apply_scan(ScanChanges(root="/music", removed=ids))
        await context.notify("catalog_tracks_removed", track_ids=removed.removed)
        await drain(context)
        assert await labels(context, "massive attack") == []
        assert await labels(context, "mezzanine", "album") == []
        assert await labels(context, "massive", "artist") == []


async def test_embedded_index_survives_a_restart(open_search: OpenSearch, tmp_path: Path) -> None:
    home = tmp_path / "restart"
    async with open_search("embedded", home=home) as context:
        await add_tracks(context, [scanned(1, "Windowlicker", "Aphex Twin", "Windowlicker")])
        await indexer.rebuild(context)
    index_dir = home / "data" / "search"
    assert any(index_dir.iterdir()), "the embedded index is kept in the data dir"
    async with open_search("embedded", home=home) as context:
        assert await context.search.count() == 3  # type: ignore[union-attr]
        assert await labels(context, "windowlickr") == ["Windowlicker"]


async def test_a_new_index_over_a_full_catalog_is_built_on_start(
    open_search: OpenSearch, tmp_path: Path
) -> None:
    home = tmp_path / "switch"
    # A catalog filled while search was off, then search turned on: the worker builds it.
    async with open_search("embedded", home=home, overrides={"search.backend": "none"}) as context:
        await add_tracks(
            context, [scanned(1, "Roygbiv", "Boards of Canada", "Music Has the Right")]
        )
    async with open_search("embedded", home=home, role="worker") as context:
        search = context.search
        assert search is not None

        async def built() -> bool:
            return await search.count() > 0

        await eventually(built, "building the empty index on start")
        assert await labels(context, "roygbiv") == ["Roygbiv"]


UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.mark.parametrize("backend", ["meilisearch", "typesense"])
async def test_unreachable_engine_is_search_unavailable_and_updates_wait(
    open_search: OpenSearch, backend: str
) -> None:
    index_key = "index" if backend == "meilisearch" else "collection"
    extra = (
        f'[plugins.search-{backend}]\nurl = "{UNREACHABLE}"\napi_key = "test-key"\n'
        f'{index_key} = "segue-down"\ntimeout = 1.0\n'
    )
    # Segue starts although the engine is down; the search slot is there, but answers 503.
    async with open_search(
        backend, role="worker", extra=extra, overrides={"search.backend": backend}
    ) as context:
        with pytest.raises(SearchUnavailable, match=f"'{backend}' search engine did not answer"):
            await service.search(context, SearchQuery(text="anything"))
        with pytest.raises(SearchUnavailable):
            await service.suggest(context, "any", 5)
        with pytest.raises(OSError):
            await context.search.ping()  # type: ignore[union-attr]

        # An update while the engine is down stays queued for a retry, not dead-lettered.
        tracks = await add_tracks(context, [scanned(1, "Xtal", "Aphex Twin")])
        await context.notify("catalog_tracks_added", tracks=tracks)
        await eventually(lambda: _attempted(context), "a first indexing attempt")
        assert await context.events.lag(indexer.SEARCH_TOPIC, indexer.SEARCH_GROUP) == 1
        assert await context.events.dead_letters(indexer.SEARCH_TOPIC) == []


async def _attempted(context: SegueContext) -> bool:
    """Whether the consumer has tried (and failed) the queued update at least once."""
    from segue.events.consumer import EVENTS_FAILED

    value = EVENTS_FAILED.labels(indexer.SEARCH_TOPIC, indexer.SEARCH_GROUP)._value.get()
    return bool(value)
