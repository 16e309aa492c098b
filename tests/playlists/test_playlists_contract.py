"""The PlaylistsBackend contract: every backend must pass these (SQLite and MongoDB/FerretDB)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import anyio
import pytest

from segue.errors import InvalidInput, NotFound
from segue.playlists.edits import EditConflict
from segue.playlists.models import (
    MAX_ENTRIES,
    DiffInsert,
    DiffMove,
    DiffRemove,
    HistoryEntry,
    InsertOp,
    MetadataUpdate,
    MoveOp,
    PlayQueue,
    RemoveOp,
)
from segue.slots.playlists import PlaylistsBackend

if TYPE_CHECKING:
    from conftest import PlaylistsOpener  # type: ignore[import-not-found]

pytestmark = pytest.mark.anyio

OWNER = "user-owner"
OTHER = "user-other"


async def tracks_of(playlists: PlaylistsBackend, playlist_id: str) -> list[str]:
    page = await playlists.list_entries(playlist_id, 0, MAX_ENTRIES)
    return [e.track_id for e in page.items]


async def entry_ids(playlists: PlaylistsBackend, playlist_id: str) -> list[str]:
    page = await playlists.list_entries(playlist_id, 0, MAX_ENTRIES)
    return [e.id for e in page.items]


async def with_tracks(playlists: PlaylistsBackend, *track_ids: str) -> str:
    playlist = await playlists.create_playlist(OWNER, "mix")
    await playlists.edit_entries(playlist.id, OWNER, [InsertOp(track_ids=list(track_ids))])
    return playlist.id


# --- playlists -------------------------------------------------------------------
async def test_create_get_update_delete(playlists: PlaylistsBackend) -> None:
    created = await playlists.create_playlist(OWNER, "Road trip", description="long drives")
    assert (created.name, created.description, created.version) == ("Road trip", "long drives", 1)
    assert (created.public, created.collaborative, created.entry_count) == (False, False, 0)
    assert await playlists.get_playlist(created.id) == created

    renamed = await playlists.update_playlist(
        created.id, MetadataUpdate(name="Night drive", public=True)
    )
    assert (renamed.name, renamed.public, renamed.version) == ("Night drive", True, 2)
    assert renamed.description == "long drives"
    fetched = await playlists.get_playlist(created.id)
    assert fetched is not None and fetched.name == "Night drive" and fetched.version == 2

    assert await playlists.delete_playlist(created.id) is True
    assert await playlists.get_playlist(created.id) is None
    assert await playlists.delete_playlist(created.id) is False
    with pytest.raises(NotFound):
        await playlists.list_entries(created.id, 0, 10)


async def test_list_playlists_owned_collaborating_followed(playlists: PlaylistsBackend) -> None:
    mine = await playlists.create_playlist(OWNER, "mine")
    shared = await playlists.create_playlist(OTHER, "shared", collaborative=True)
    followed = await playlists.create_playlist(OTHER, "followed", public=True)
    await playlists.create_playlist(OTHER, "not mine")
    await playlists.set_collaborator(shared.id, OWNER, add=True)
    after_follow = await playlists.set_following(followed.id, OWNER, follow=True)
    assert after_follow.follower_count == 1
    assert await playlists.list_followers(followed.id) == [OWNER]

    names = {p.name for p in await playlists.list_playlists(OWNER)}
    assert names == {"mine", "shared", "followed"}
    shared_now = await playlists.get_playlist(shared.id)
    assert shared_now is not None and shared_now.collaborators == [OWNER]

    await playlists.set_collaborator(shared.id, OWNER, add=False)
    unfollowed = await playlists.set_following(followed.id, OWNER, follow=False)
    assert unfollowed.follower_count == 0
    assert [p.id for p in await playlists.list_playlists(OWNER)] == [mine.id]


# --- entries ----------------------------------------------------------------------
async def test_insert_at_end_start_and_after_anchor(playlists: PlaylistsBackend) -> None:
    playlist_id = await with_tracks(playlists, "a", "b")
    first, second = await entry_ids(playlists, playlist_id)
    await playlists.edit_entries(playlist_id, OWNER, [InsertOp(track_ids=["z"], at="start")])
    await playlists.edit_entries(playlist_id, OWNER, [InsertOp(track_ids=["e"])])
    result = await playlists.edit_entries(
        playlist_id, OWNER, [InsertOp(track_ids=["x", "y"], after=first)]
    )
    assert await tracks_of(playlists, playlist_id) == ["z", "a", "x", "y", "b", "e"]
    assert (result.version, result.base_version, result.entry_count) == (5, 4, 6)
    (diff,) = result.diff
    assert isinstance(diff, DiffInsert) and diff.after == first
    assert [e.track_id for e in diff.entries] == ["x", "y"]
    assert second in await entry_ids(playlists, playlist_id)  # ids never change

    page = await playlists.list_entries(playlist_id, 2, 3)
    assert [e.track_id for e in page.items] == ["x", "y", "b"]
    assert (page.total, page.offset, page.limit) == (6, 2, 3)
    assert [e.added_by for e in page.items] == [OWNER] * 3


async def test_remove_and_insert_after_removed_anchor_lands_where_it_was(
    playlists: PlaylistsBackend,
) -> None:
    playlist_id = await with_tracks(playlists, "a", "b", "c")
    _a, b, _c = await entry_ids(playlists, playlist_id)
    removed = await playlists.edit_entries(playlist_id, OWNER, [RemoveOp(entry_ids=[b])])
    assert removed.diff == [DiffRemove(entry_ids=[b])]
    assert await tracks_of(playlists, playlist_id) == ["a", "c"]
    # A writer who still saw "b" inserts after it: the track lands where "b" was.
    late = await playlists.edit_entries(
        playlist_id, OTHER, [InsertOp(track_ids=["n"], after=b)], base_version=removed.base_version
    )
    assert await tracks_of(playlists, playlist_id) == ["a", "n", "c"]
    assert late.entry_count == 3
    # Removing again commutes: nothing changes, no error.
    again = await playlists.edit_entries(playlist_id, OWNER, [RemoveOp(entry_ids=[b])])
    assert again.diff == [] and await tracks_of(playlists, playlist_id) == ["a", "n", "c"]


async def test_move_after_another_to_start_and_after_removed(playlists: PlaylistsBackend) -> None:
    playlist_id = await with_tracks(playlists, "a", "b", "c", "d")
    a, b, c, d = await entry_ids(playlists, playlist_id)
    result = await playlists.edit_entries(playlist_id, OWNER, [MoveOp(entry_id=a, after=c)])
    assert await tracks_of(playlists, playlist_id) == ["b", "c", "a", "d"]
    assert result.diff == [DiffMove(entry_id=a, after=c)]
    await playlists.edit_entries(playlist_id, OWNER, [MoveOp(entry_id=d, after=None)])
    assert await tracks_of(playlists, playlist_id) == ["d", "b", "c", "a"]
    await playlists.edit_entries(playlist_id, OWNER, [RemoveOp(entry_ids=[b])])
    moved = await playlists.edit_entries(playlist_id, OWNER, [MoveOp(entry_id=a, after=b)])
    assert await tracks_of(playlists, playlist_id) == ["d", "a", "c"]
    assert moved.diff == [DiffMove(entry_id=a, after=d)]  # the visible neighbour


async def test_several_ops_are_one_version_all_or_nothing(playlists: PlaylistsBackend) -> None:
    playlist_id = await with_tracks(playlists, "a", "b")
    a, b = await entry_ids(playlists, playlist_id)
    before = await playlists.get_playlist(playlist_id)
    assert before is not None
    with pytest.raises(InvalidInput, match="not an entry"):
        await playlists.edit_entries(
            playlist_id,
            OWNER,
            [InsertOp(track_ids=["c"]), RemoveOp(entry_ids=["no-such-entry"])],
        )
    after = await playlists.get_playlist(playlist_id)
    assert after is not None and after.version == before.version
    assert await tracks_of(playlists, playlist_id) == ["a", "b"]

    result = await playlists.edit_entries(
        playlist_id, OWNER, [RemoveOp(entry_ids=[a]), InsertOp(track_ids=["c"], after=b)]
    )
    assert result.version == before.version + 1
    assert await tracks_of(playlists, playlist_id) == ["b", "c"]


async def test_commuting_edits_rebase_and_real_conflicts_409(playlists: PlaylistsBackend) -> None:
    playlist_id = await with_tracks(playlists, "a", "b", "c")
    a, b, c = await entry_ids(playlists, playlist_id)
    seen = (await playlists.get_playlist(playlist_id)).version  # type: ignore[union-attr]

    await playlists.edit_entries(playlist_id, OWNER, [InsertOp(track_ids=["x"])], base_version=seen)
    await playlists.edit_entries(playlist_id, OTHER, [RemoveOp(entry_ids=[c])], base_version=seen)
    await playlists.edit_entries(
        playlist_id, OTHER, [MoveOp(entry_id=a, after=b)], base_version=seen
    )
    assert await tracks_of(playlists, playlist_id) == ["b", "a", "x"]

    # Moving an entry that someone moved or removed since your version is a real conflict.
    with pytest.raises(EditConflict) as moved_since:
        await playlists.edit_entries(
            playlist_id, OWNER, [MoveOp(entry_id=a, after=None)], base_version=seen
        )
    current = (await playlists.get_playlist(playlist_id)).version  # type: ignore[union-attr]
    assert moved_since.value.current_version == current
    with pytest.raises(EditConflict, match="removed"):
        await playlists.edit_entries(
            playlist_id, OWNER, [MoveOp(entry_id=c, after=None)], base_version=seen
        )
    # With the current version the same move goes through.
    await playlists.edit_entries(
        playlist_id, OWNER, [MoveOp(entry_id=a, after=None)], base_version=current
    )
    assert await tracks_of(playlists, playlist_id) == ["a", "b", "x"]
    with pytest.raises(InvalidInput, match="newer"):
        await playlists.edit_entries(
            playlist_id, OWNER, [InsertOp(track_ids=["y"])], base_version=current + 10
        )


async def test_metadata_conflicts_only_on_the_same_field(playlists: PlaylistsBackend) -> None:
    playlist = await playlists.create_playlist(OWNER, "one")
    await playlists.update_playlist(playlist.id, MetadataUpdate(description="new"), base_version=1)
    renamed = await playlists.update_playlist(
        playlist.id, MetadataUpdate(name="two"), base_version=1
    )
    assert (renamed.name, renamed.description, renamed.version) == ("two", "new", 3)
    with pytest.raises(EditConflict, match="name") as conflict:
        await playlists.update_playlist(playlist.id, MetadataUpdate(name="three"), base_version=1)
    assert conflict.value.current_version == 3


async def test_idempotency_key_applies_an_edit_once(playlists: PlaylistsBackend) -> None:
    playlist_id = await with_tracks(playlists, "a")
    first = await playlists.edit_entries(
        playlist_id, OWNER, [InsertOp(track_ids=["b"])], idempotency_key="k1"
    )
    retry = await playlists.edit_entries(
        playlist_id, OWNER, [InsertOp(track_ids=["b"])], idempotency_key="k1"
    )
    assert retry == first
    assert await tracks_of(playlists, playlist_id) == ["a", "b"]
    # Keys belong to their user: another user's "k1" is another edit.
    await playlists.edit_entries(
        playlist_id, OTHER, [InsertOp(track_ids=["c"])], idempotency_key="k1"
    )
    assert await tracks_of(playlists, playlist_id) == ["a", "b", "c"]


async def test_entry_limit(playlists: PlaylistsBackend) -> None:
    playlist_id = await with_tracks(playlists, *[f"t{i}" for i in range(MAX_ENTRIES - 1)])
    await playlists.edit_entries(playlist_id, OWNER, [InsertOp(track_ids=["last"])])
    with pytest.raises(InvalidInput, match=f"at most {MAX_ENTRIES}"):
        await playlists.edit_entries(playlist_id, OWNER, [InsertOp(track_ids=["one-too-many"])])
    page = await playlists.list_entries(playlist_id, MAX_ENTRIES - 2, 10)
    assert [e.track_id for e in page.items] == [f"t{MAX_ENTRIES - 2}", "last"]
    assert page.total == MAX_ENTRIES


async def test_concurrent_edits_keep_every_insert_once(
    playlists: PlaylistsBackend, playlists_opener: PlaylistsOpener
) -> None:
    """Writers in two "processes" (two backend instances on the same store) at once."""
    second = await playlists_opener.open()
    playlist_id = await with_tracks(playlists, *[f"seed{i}" for i in range(10)])
    seeds = await entry_ids(playlists, playlist_id)
    acknowledged: list[str] = []

    async def writer(n: int) -> None:
        backend = playlists if n % 2 else second
        for k in range(4):
            track = f"w{n}-{k}"
            await backend.edit_entries(
                playlist_id, f"user{n}", [InsertOp(track_ids=[track], after=seeds[(n + k) % 10])]
            )
            acknowledged.append(track)
        if n < 5:
            await backend.edit_entries(playlist_id, f"user{n}", [RemoveOp(entry_ids=[seeds[n]])])

    async with anyio.create_task_group() as tg:
        for n in range(10):
            tg.start_soon(writer, n)

    final = await tracks_of(second, playlist_id)
    assert len(acknowledged) == 40
    assert sorted(t for t in final if t.startswith("w")) == sorted(acknowledged)
    assert [t for t in final if t.startswith("seed")] == [f"seed{i}" for i in range(5, 10)]
    playlist = await playlists.get_playlist(playlist_id)
    assert playlist is not None and playlist.version == 2 + 40 + 5
    assert playlist.entry_count == len(final) == 45


# --- library, history, queue ----------------------------------------------------
async def test_library_save_list_remove(playlists: PlaylistsBackend) -> None:
    await playlists.save_items(OWNER, "track", ["t1"])
    await anyio.sleep(0.01)
    await playlists.save_items(OWNER, "track", ["t2", "t3"])
    await playlists.save_items(OWNER, "track", ["t1"])  # saving again keeps the first date
    await playlists.save_items(OWNER, "album", ["al1"])
    await playlists.save_items(OTHER, "track", ["t9"])
    page = await playlists.list_saved(OWNER, "track", 0, 10)
    assert page.total == 3 and [i.item_id for i in page.items][-1] == "t1"
    assert {i.item_id for i in page.items} == {"t1", "t2", "t3"}
    assert [i.item_id for i in (await playlists.list_saved(OWNER, "album", 0, 10)).items] == ["al1"]
    assert (await playlists.list_saved(OWNER, "artist", 0, 10)).total == 0
    assert await playlists.remove_items(OWNER, "track", ["t2", "nope"]) == 1
    assert {i.item_id for i in (await playlists.list_saved(OWNER, "track", 0, 10)).items} == {
        "t1",
        "t3",
    }
    assert (await playlists.list_saved(OWNER, "track", 1, 1)).items[0].item_id == "t1"


async def test_history_dedupes_and_keeps_the_retention_period(
    playlists_opener: PlaylistsOpener, playlists_backend_name: str
) -> None:
    section = f"plugins.playlists-{playlists_backend_name}"
    playlists = await playlists_opener.open({f"{section}.history_retention_days": 2})
    now = time.time()
    entries = [
        HistoryEntry(id="e1", track_id="t1", played_at=now - 60, completed=True),
        HistoryEntry(id="e2", track_id="t2", played_at=now - 30, duration_listened_ms=5000),
        HistoryEntry(id="old", track_id="t3", played_at=now - 3 * 86_400),
    ]
    await playlists.add_history(OWNER, entries)
    await playlists.add_history(OWNER, entries[:1])  # a redelivered event is stored once
    page = await playlists.list_history(OWNER, 0, 10)
    assert [h.id for h in page.items] == ["e2", "e1"]
    assert page.total == 2
    assert page.items[0].duration_listened_ms == 5000 and page.items[1].completed
    assert (await playlists.list_history(OTHER, 0, 10)).total == 0


async def test_queue_versions(playlists: PlaylistsBackend) -> None:
    empty = await playlists.get_queue(OWNER)
    assert (empty.track_ids, empty.version) == ([], 0)
    stored = await playlists.put_queue(
        OWNER, PlayQueue(track_ids=["a", "b"], position=1, repeat="all"), base_version=0
    )
    assert stored.version == 1 and stored.updated_at > 0
    assert await playlists.get_queue(OWNER) == stored
    with pytest.raises(EditConflict):
        await playlists.put_queue(OWNER, PlayQueue(track_ids=["c"]), base_version=0)
    replaced = await playlists.put_queue(OWNER, PlayQueue(track_ids=["c"], shuffle=True))
    assert (replaced.track_ids, replaced.version, replaced.shuffle) == (["c"], 2, True)
    assert (await playlists.get_queue(OTHER)).version == 0


async def test_export_then_import_keeps_ids_and_order(
    playlists: PlaylistsBackend, playlists_opener: PlaylistsOpener
) -> None:
    playlist_id = await with_tracks(playlists, "a", "b", "c")
    _a, b, _c = await entry_ids(playlists, playlist_id)
    await playlists.edit_entries(playlist_id, OWNER, [RemoveOp(entry_ids=[b])])
    await playlists.set_collaborator(playlist_id, OTHER, add=True)
    await playlists.update_playlist(playlist_id, MetadataUpdate(public=True))
    await playlists.set_following(playlist_id, OTHER, follow=True)
    exports = [e async for e in playlists.export_playlists()]
    assert len(exports) == 1
    assert [e.track_id for e in exports[0].entries] == ["a", "c"]

    assert await playlists.import_playlist(exports[0]) is False  # already there
    other = await playlists_opener.open(
        {"playlists.backend": "sqlite", "plugins.playlists-sqlite.path": "copy.sqlite3"}
    )
    assert await other.import_playlist(exports[0]) is True
    copied = await other.get_playlist(playlist_id)
    assert copied is not None
    assert (copied.name, copied.collaborators, copied.public) == ("mix", [OTHER], True)
    assert await entry_ids(other, playlist_id) == await entry_ids(playlists, playlist_id)
    assert await other.list_followers(playlist_id) == [OTHER]
