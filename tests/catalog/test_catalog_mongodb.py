"""MongoDB catalog specifics: several processes share one database safely."""

from __future__ import annotations

import anyio
import pytest

from segue.errors import Conflict
from segue.models import ListQuery, ScanChanges, ScannedTrack
from segue.slots.catalog import CatalogBackend

pytestmark = pytest.mark.anyio


def scanned(relpath: str) -> ScannedTrack:
    return ScannedTrack(
        root="/music",
        relpath=relpath,
        size=1,
        mtime_ns=1,
        content_key=relpath,
        codec="flac",
        duration_ms=1000,
        title=relpath,
        artists=["Ann"],
        album="LP",
    )


async def test_two_processes_see_one_catalog(
    mongodb_pair: tuple[CatalogBackend, CatalogBackend],
) -> None:
    scanner, server = mongodb_pair
    applied = await scanner.apply_scan(ScanChanges(root="/music", added=[scanned("a.flac")]))
    [track] = applied.added
    assert await server.get_track(track.id) == track
    assert (await server.list_albums(ListQuery())).total == 1
    user = await server.create_user("alice", "h", is_admin=False)
    assert await scanner.get_user_by_name("ALICE") == user


async def test_concurrent_play_counts_are_all_kept(
    mongodb_pair: tuple[CatalogBackend, CatalogBackend],
) -> None:
    one, two = mongodb_pair
    [track] = (await one.apply_scan(ScanChanges(root="/music", added=[scanned("a.flac")]))).added
    async with anyio.create_task_group() as tg:
        for backend in (one, two) * 5:
            tg.start_soon(backend.add_play_counts, {track.id: 1})
    counted = await two.get_track(track.id)
    assert counted is not None and counted.play_count == 10


async def test_a_rescan_keeps_plays_counted_by_another_process(
    mongodb_pair: tuple[CatalogBackend, CatalogBackend],
) -> None:
    scanner, server = mongodb_pair
    [track] = (
        await scanner.apply_scan(ScanChanges(root="/music", added=[scanned("a.flac")]))
    ).added
    await server.add_play_counts({track.id: 3})
    changed = ScannedTrack(**{**{f: getattr(track, f) for f in ScannedTrack.__struct_fields__}})
    changed.title = "Retitled"
    await scanner.apply_scan(ScanChanges(root="/music", updated=[(track.id, changed)]))
    stored = await server.get_track(track.id)
    assert stored is not None and (stored.title, stored.play_count) == ("Retitled", 3)


async def test_one_name_one_user_across_processes(
    mongodb_pair: tuple[CatalogBackend, CatalogBackend],
) -> None:
    one, two = mongodb_pair
    outcomes: list[str] = []

    async def create(backend: CatalogBackend, name: str) -> None:
        try:
            await backend.create_user(name, "h", is_admin=False)
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    async with anyio.create_task_group() as tg:
        tg.start_soon(create, one, "bob")
        tg.start_soon(create, two, "BOB")
    assert sorted(outcomes) == ["conflict", "created"]
    assert await one.count_users() == 1


async def test_two_scans_adding_one_file_at_once_keep_it_once(
    mongodb_pair: tuple[CatalogBackend, CatalogBackend],
) -> None:
    one, two = mongodb_pair
    await one.apply_scan(ScanChanges(root="/music", added=[scanned("a.flac")]))
    for round_ in range(5):
        new = scanned(f"new-{round_}.flac")
        async with anyio.create_task_group() as tg:
            for catalog in (one, two):  # both processes saw the new file in their own scan
                tg.start_soon(catalog.apply_scan, ScanChanges(root="/music", added=[new]))
        page = await two.list_tracks(ListQuery(limit=100))
        assert [t.title for t in page.items].count(new.title) == 1, page.items
