"""The CatalogBackend contract: every catalog backend must pass these (see conftest's CATALOG_BACKENDS)."""

from __future__ import annotations

import time
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from segue.catalog import identity
from segue.errors import Conflict, InvalidInput
from segue.models import (
    Credential,
    ListQuery,
    ScanChanges,
    ScannedTrack,
    ScanProblem,
    ScanReport,
    Track,
)
from segue.slots.catalog import CatalogBackend

if TYPE_CHECKING:
    from conftest import CatalogOpener  # type: ignore[import-not-found]

pytestmark = pytest.mark.anyio

ROOT = "/music"


def scanned(relpath: str, title: str | None = None, **tags: Any) -> ScannedTrack:
    """A ScannedTrack under ROOT with plausible file facts; ``tags`` override any field."""
    fields: dict[str, Any] = {
        "root": ROOT,
        "relpath": relpath,
        "size": 1_000_000 + len(relpath),
        "mtime_ns": 1_700_000_000_000_000_000,
        "content_key": f"key:{relpath}",
        "codec": "flac",
        "duration_ms": 180_000,
        "title": title if title is not None else PurePosixPath(relpath).stem,
    }
    fields.update(tags)
    return ScannedTrack(**fields)


async def add(catalog: CatalogBackend, *tracks: ScannedTrack, root: str = ROOT) -> list[Track]:
    applied = await catalog.apply_scan(ScanChanges(root=root, added=list(tracks)))
    return applied.added


async def titles(catalog: CatalogBackend, **query: Any) -> list[str]:
    page = await catalog.list_tracks(ListQuery(limit=1000, **query))
    return [t.title for t in page.items]


def facts_of(track: Track) -> ScannedTrack:
    return ScannedTrack(
        **{f.name: getattr(track, f.name) for f in msgspec.structs.fields(ScannedTrack)}
    )


# --- ids and round trips ----------------------------------------------------


async def test_added_tracks_get_new_ids_and_read_back(catalog: CatalogBackend) -> None:
    before = time.time()
    one, two = await add(catalog, scanned("a/1.flac", "One"), scanned("a/2.flac", "Two"))
    assert one.id != two.id
    for track in (one, two):
        assert track.id.startswith("tr") and len(track.id) == 18
        int(track.id[2:], 16)  # hex
        assert before <= track.added_at <= time.time()
        assert track.play_count == 0 and not track.missing
        assert await catalog.get_track(track.id) == track
    assert await catalog.get_track("tr0000000000000000") is None


async def test_every_scanned_field_round_trips(catalog: CatalogBackend) -> None:
    full = ScannedTrack(
        root=ROOT,
        relpath="Artist/Album/01 Song.flac",
        size=12345678,
        mtime_ns=1_712_345_678_123_456_789,
        content_key="ck-123",
        codec="flac",
        duration_ms=245_001,
        bitrate=920_000,
        sample_rate=96_000,
        channels=2,
        title="Song ☃",
        artists=["Main", "Guest"],
        album="Album",
        album_artist="Main",
        compilation=True,
        track_number=1,
        disc_number=2,
        year=2004,
        genres=["Jazz", "Soul"],
        label="Label",
        musicbrainz_recording_id="rec",
        musicbrainz_track_id="trk",
        musicbrainz_album_id="alb",
        musicbrainz_artist_id="art",
        musicbrainz_album_artist_id="aart",
        replaygain_track_gain=-6.5,
        replaygain_track_peak=0.98,
        replaygain_album_gain=-7.25,
        replaygain_album_peak=0.99,
        has_embedded_cover=True,
        folder_cover="Artist/Album/cover.jpg",
    )
    defaults = ScannedTrack(
        root="", relpath="", size=0, mtime_ns=0, content_key="", codec="", duration_ms=0, title=""
    )
    for field in msgspec.structs.fields(ScannedTrack):  # the check covers every field
        assert getattr(full, field.name) != getattr(defaults, field.name), field.name
    [stored] = await add(catalog, full)
    fetched = await catalog.get_track(stored.id)
    assert fetched is not None
    assert facts_of(fetched) == full
    assert fetched.artist_id == identity.track_artist_id(full)
    assert fetched.artist_name == "Main, Guest"
    assert fetched.album_id == identity.album_id(full)


# --- add / update / move / remove --------------------------------------------


async def test_update_keeps_id_play_count_and_added_at(catalog: CatalogBackend) -> None:
    [track] = await add(catalog, scanned("a.flac", "Old title", artists=["A"]))
    await catalog.add_play_counts({track.id: 3})
    new_facts = scanned("a.flac", "New title", artists=["A"], size=5, mtime_ns=99)
    applied = await catalog.apply_scan(ScanChanges(root=ROOT, updated=[(track.id, new_facts)]))
    [changed] = applied.changed
    assert applied.added == [] and applied.removed == []
    assert changed.id == track.id
    assert changed.title == "New title" and changed.size == 5
    assert changed.play_count == 3
    assert changed.added_at == track.added_at
    assert changed.updated_at >= track.updated_at
    assert await catalog.get_track(track.id) == changed
    states = await catalog.file_states(ROOT)
    assert (states["a.flac"].size, states["a.flac"].mtime_ns) == (5, 99)
    assert await titles(catalog) == ["New title"]


async def test_removed_tracks_are_kept_but_hidden(catalog: CatalogBackend) -> None:
    gone, kept = await add(
        catalog,
        scanned("x/1.flac", "Gone", album="X", artists=["A"], duration_ms=1000),
        scanned("x/2.flac", "Kept", album="X", artists=["A"], duration_ms=2000),
    )
    await catalog.add_play_counts({gone.id: 7})
    applied = await catalog.apply_scan(ScanChanges(root=ROOT, removed=[gone.id]))
    assert applied.removed == [gone.id]
    assert await titles(catalog) == ["Kept"]
    assert (await catalog.list_tracks(ListQuery())).total == 1
    record = await catalog.get_track(gone.id)
    assert record is not None and record.missing and record.play_count == 7
    states = await catalog.file_states(ROOT)
    assert states["x/1.flac"].missing and not states["x/2.flac"].missing
    album = await catalog.get_album(kept.album_id or "")
    assert album is not None
    assert (album.track_count, album.duration_ms) == (1, 2000)


async def test_moved_track_keeps_its_id_and_state(catalog: CatalogBackend) -> None:
    [track] = await add(catalog, scanned("old/a.flac", "Song"))
    await catalog.add_play_counts({track.id: 2})
    moved = scanned("new/a.flac", "Song", content_key=track.content_key)
    applied = await catalog.apply_scan(ScanChanges(root=ROOT, moved=[(track.id, moved)]))
    [changed] = applied.changed
    assert (changed.id, changed.relpath, changed.play_count) == (track.id, "new/a.flac", 2)
    assert changed.added_at == track.added_at
    states = await catalog.file_states(ROOT)
    assert set(states) == {"new/a.flac"}
    assert states["new/a.flac"].track_id == track.id


async def test_missing_track_found_again_is_revived(catalog: CatalogBackend) -> None:
    [track] = await add(catalog, scanned("a/song.flac", "Song", album="LP", artists=["A"]))
    await catalog.add_play_counts({track.id: 4})
    await catalog.apply_scan(ScanChanges(root=ROOT, removed=[track.id]))
    assert await catalog.get_album(track.album_id or "") is None
    back = scanned("b/song.flac", "Song", album="LP", artists=["A"])
    applied = await catalog.apply_scan(ScanChanges(root=ROOT, moved=[(track.id, back)]))
    [revived] = applied.changed
    assert not revived.missing and revived.play_count == 4 and revived.id == track.id
    assert await titles(catalog) == ["Song"]
    album = await catalog.get_album(track.album_id or "")
    assert album is not None and album.track_count == 1
    assert not (await catalog.file_states(ROOT))["b/song.flac"].missing


async def test_removing_a_missing_or_unknown_track_reports_nothing(
    catalog: CatalogBackend,
) -> None:
    [track] = await add(catalog, scanned("a.flac"))
    await catalog.apply_scan(ScanChanges(root=ROOT, removed=[track.id]))
    again = await catalog.apply_scan(
        ScanChanges(root=ROOT, removed=[track.id, "tr0000000000000000"])
    )
    assert again.removed == []


async def test_new_file_at_a_known_path_displaces_the_old_track(
    catalog: CatalogBackend,
) -> None:
    [old] = await add(catalog, scanned("same.flac", "Old"))
    applied = await catalog.apply_scan(ScanChanges(root=ROOT, added=[scanned("same.flac", "New")]))
    [new] = applied.added
    assert applied.removed == [old.id]
    assert (await catalog.file_states(ROOT))["same.flac"].track_id == new.id
    assert await titles(catalog) == ["New"]


async def test_file_states_cover_one_root_including_missing(catalog: CatalogBackend) -> None:
    a, b = await add(catalog, scanned("a.flac"), scanned("sub/b.flac", size=42, mtime_ns=7))
    await add(catalog, scanned("c.flac", root="/other"), root="/other")
    await catalog.apply_scan(ScanChanges(root=ROOT, removed=[a.id]))
    states = await catalog.file_states(ROOT)
    assert set(states) == {"a.flac", "sub/b.flac"}
    state = states["sub/b.flac"]
    assert (state.track_id, state.relpath, state.size, state.mtime_ns) == (
        b.id,
        "sub/b.flac",
        42,
        7,
    )
    assert state.content_key == "key:sub/b.flac" and not state.missing
    assert states["a.flac"].missing
    assert set(await catalog.file_states("/other")) == {"c.flac"}
    assert await catalog.file_states("/nowhere") == {}


# --- albums and artists --------------------------------------------------------


async def test_album_artist_tag_groups_an_album(catalog: CatalogBackend) -> None:
    one, two = await add(
        catalog,
        scanned("s/1.flac", "One", album="Split", album_artist="A & B", artists=["A"]),
        scanned("s/2.flac", "Two", album="Split", album_artist="A & B", artists=["B"]),
    )
    assert one.album_id is not None and one.album_id == two.album_id
    album = await catalog.get_album(one.album_id)
    assert album is not None
    assert (album.title, album.artist_name, album.track_count) == ("Split", "A & B", 2)
    assert album.artist_id == identity.album_artist_id(facts_of(one))
    artists = await catalog.list_artists(ListQuery())
    assert [a.name for a in artists.items] == ["A", "A & B", "B"]
    album_artist = await catalog.get_artist(album.artist_id)
    assert album_artist is not None
    assert (album_artist.album_count, album_artist.track_count) == (1, 2)
    performer = await catalog.get_artist(one.artist_id)
    assert performer is not None
    assert (performer.name, performer.album_count, performer.track_count) == ("A", 0, 1)


async def test_compilation_belongs_to_various_artists(catalog: CatalogBackend) -> None:
    one, two = await add(
        catalog,
        scanned("c/1.flac", album="Hits", compilation=True, artists=["X"]),
        scanned("c/2.flac", album="Hits", compilation=True, artists=["Y"]),
    )
    assert one.album_id is not None and one.album_id == two.album_id
    album = await catalog.get_album(one.album_id)
    assert album is not None
    assert album.compilation and album.artist_name == identity.VARIOUS_ARTISTS
    various = await catalog.get_artist(album.artist_id)
    assert various is not None
    assert various.name == identity.VARIOUS_ARTISTS
    assert (various.album_count, various.track_count) == (1, 2)
    assert [a.name for a in (await catalog.list_artists(ListQuery())).items] == [
        identity.VARIOUS_ARTISTS,
        "X",
        "Y",
    ]


async def test_album_artist_musicbrainz_id_is_kept(catalog: CatalogBackend) -> None:
    various_mbid = "89ad4ac3-39f7-470e-963a-56509c546377"
    tracks = await add(
        catalog,
        *(
            scanned(
                f"c/{n}.flac",
                album="Hits",
                compilation=True,
                artists=[f"Performer {n}"],
                musicbrainz_album_artist_id=various_mbid,
            )
            for n in range(2)
        ),
    )
    album = await catalog.get_album(tracks[0].album_id or "")
    assert album is not None and album.track_count == 2
    various = await catalog.get_artist(album.artist_id)
    assert various is not None
    assert various.musicbrainz_id == various_mbid
    assert various.name == identity.VARIOUS_ARTISTS
    performer = await catalog.get_artist(tracks[0].artist_id)
    assert performer is not None and performer.musicbrainz_id is None


async def test_accents_and_case_fold_into_one_artist(catalog: CatalogBackend) -> None:
    one, two = await add(
        catalog,
        scanned("1.flac", artists=["Beyoncé"]),
        scanned("2.flac", artists=["BEYONCE"]),
    )
    assert one.artist_id == two.artist_id
    artists = await catalog.list_artists(ListQuery())
    assert artists.total == 1
    [artist] = artists.items
    assert artist.id == one.artist_id
    assert artist.name in {"Beyoncé", "BEYONCE"} and artist.track_count == 2


async def test_release_ids_key_albums_and_names_key_artists(catalog: CatalogBackend) -> None:
    mb_album, mb_artist = "9162580e-5df4-32de-80cc-f45a8d8a9b1d", "b10bbbfc-cf9e-42e0-be17"
    one, two, other = await add(
        catalog,
        scanned(
            "1.flac",
            album="Abbey Road",
            artists=["The Beatles"],
            musicbrainz_album_id=mb_album,
            musicbrainz_artist_id=mb_artist,
        ),
        scanned(
            "2.flac",
            album="Abbey Road (Remaster)",
            artists=["The Beatles"],
            musicbrainz_album_id=mb_album,
            musicbrainz_artist_id=mb_artist,
        ),
        scanned("3.flac", album="Abbey Road", artists=["the beatles"]),
    )
    # One release id makes one album whatever its title says; the untagged copy stays apart.
    assert one.album_id == two.album_id != other.album_id
    # The artist is one artist whether or not a file carries its MusicBrainz id.
    assert one.artist_id == two.artist_id == other.artist_id
    album = await catalog.get_album(one.album_id or "")
    assert album is not None
    assert album.musicbrainz_id == mb_album and album.track_count == 2
    artist = await catalog.get_artist(one.artist_id)
    assert artist is not None and artist.musicbrainz_id == mb_artist
    assert (await catalog.list_albums(ListQuery())).total == 2


async def test_album_aggregates(catalog: CatalogBackend) -> None:
    first, covered, third = await add(
        catalog,
        scanned("lp/1.flac", album="LP", artists=["A"], year=1999, genres=["Rock"],
                duration_ms=1000, track_number=1),
        scanned("lp/2.flac", album="LP", artists=["A"], year=1999, genres=["rock", "Pop"],
                duration_ms=2000, track_number=2, has_embedded_cover=True),
        scanned("lp/3.flac", album="LP", artists=["A"], year=2001, duration_ms=3000,
                track_number=3, folder_cover="lp/cover.jpg"),
    )  # fmt: skip
    album = await catalog.get_album(first.album_id or "")
    assert album is not None
    assert album.track_count == 3 and album.duration_ms == 6000
    assert album.year == 1999
    assert [g.casefold() for g in album.genres] == ["rock", "pop"]
    assert album.cover_track_id == covered.id
    assert album.added_at == first.added_at
    assert not album.compilation
    # The cover moves to another track of the album once its track is gone.
    await catalog.apply_scan(ScanChanges(root=ROOT, removed=[covered.id]))
    album = await catalog.get_album(first.album_id or "")
    assert album is not None
    assert album.cover_track_id == third.id and album.track_count == 2
    assert album.genres == ["Rock"]


async def test_aggregates_follow_tracks_between_albums(catalog: CatalogBackend) -> None:
    a1, a2, b1 = await add(
        catalog,
        scanned("a/1.flac", album="Old", artists=["A"], duration_ms=1000),
        scanned("a/2.flac", album="Old", artists=["A"], duration_ms=2000),
        scanned("b/1.flac", album="New", artists=["B"], duration_ms=4000),
    )
    old_album, new_album = a1.album_id or "", b1.album_id or ""
    retagged = scanned("a/1.flac", album="New", artists=["B"], duration_ms=1000)
    await catalog.apply_scan(ScanChanges(root=ROOT, updated=[(a1.id, retagged)]))
    old, new = await catalog.get_album(old_album), await catalog.get_album(new_album)
    assert old is not None and new is not None
    assert (old.track_count, old.duration_ms) == (1, 2000)
    assert (new.track_count, new.duration_ms) == (2, 5000)
    b = await catalog.get_artist(b1.artist_id)
    assert b is not None and b.track_count == 2

    retagged2 = scanned("a/2.flac", album="New", artists=["B"], duration_ms=2000)
    await catalog.apply_scan(ScanChanges(root=ROOT, updated=[(a2.id, retagged2)]))
    assert await catalog.get_album(old_album) is None
    assert await catalog.get_artist(a1.artist_id) is None
    albums = await catalog.list_albums(ListQuery())
    assert [(a.id, a.track_count) for a in albums.items] == [(new_album, 3)]
    assert [a.name for a in (await catalog.list_artists(ListQuery())).items] == ["B"]


async def test_albums_and_artists_disappear_with_their_last_track(
    catalog: CatalogBackend,
) -> None:
    tracks = await add(
        catalog,
        scanned("1.flac", album="Gone", artists=["Ghost"], genres=["Ambient"]),
        scanned("2.flac", album="Gone", artists=["Ghost"], genres=["Ambient"]),
    )
    await catalog.apply_scan(ScanChanges(root=ROOT, removed=[t.id for t in tracks]))
    assert await catalog.get_album(tracks[0].album_id or "") is None
    assert await catalog.get_artist(tracks[0].artist_id) is None
    assert (await catalog.list_albums(ListQuery())).total == 0
    assert (await catalog.list_artists(ListQuery())).total == 0
    assert await catalog.list_genres() == []


# --- listings -------------------------------------------------------------------


async def test_paging_returns_every_track_once(catalog: CatalogBackend) -> None:
    added = await add(catalog, *(scanned(f"{i}.flac", f"Song {i}") for i in range(7)))
    seen: list[str] = []
    for offset in (0, 3, 6):
        page = await catalog.list_tracks(ListQuery(offset=offset, limit=3, sort="title"))
        assert (page.total, page.offset, page.limit) == (7, offset, 3)
        seen += [t.id for t in page.items]
    assert sorted(seen) == sorted(t.id for t in added)
    assert len(seen) == 7
    past_end = await catalog.list_tracks(ListQuery(offset=50, limit=3))
    assert past_end.items == [] and past_end.total == 7


async def test_text_sorts_ignore_case_and_accents(catalog: CatalogBackend) -> None:
    await add(
        catalog,
        scanned("1.flac", "banana", artists=["b"], album="y"),
        scanned("2.flac", "Apple", artists=["C"], album="X"),
        scanned("3.flac", "Éclair", artists=["a"], album="Z"),
        scanned("4.flac", "cherry", artists=["D"], album="w"),
    )
    assert await titles(catalog, sort="title") == ["Apple", "banana", "cherry", "Éclair"]
    assert await titles(catalog, sort="title", order="desc") == [
        "Éclair",
        "cherry",
        "banana",
        "Apple",
    ]
    assert await titles(catalog, sort="artist") == ["Éclair", "banana", "Apple", "cherry"]
    assert await titles(catalog, sort="album") == ["cherry", "Apple", "banana", "Éclair"]
    albums = await catalog.list_albums(ListQuery(sort="title", order="desc"))
    assert [a.title for a in albums.items] == ["Z", "y", "X", "w"]
    albums_by_artist = await catalog.list_albums(ListQuery(sort="artist"))
    assert [a.artist_name for a in albums_by_artist.items] == ["a", "b", "C", "D"]
    artists = await catalog.list_artists(ListQuery(sort="name", order="desc"))
    assert [a.name for a in artists.items] == ["D", "C", "b", "a"]


async def test_numeric_sorts(catalog: CatalogBackend) -> None:
    first = await add(catalog, scanned("1.flac", "Short", year=2001, duration_ms=1000))
    second = await add(catalog, scanned("2.flac", "Undated", duration_ms=3000))
    third = await add(catalog, scanned("3.flac", "Long", year=1990, duration_ms=9000))
    await catalog.add_play_counts({second[0].id: 5, third[0].id: 1})
    await catalog.add_play_counts({second[0].id: 1})
    assert await titles(catalog, sort="year") == ["Long", "Short", "Undated"]
    assert await titles(catalog, sort="duration", order="desc") == ["Long", "Undated", "Short"]
    assert await titles(catalog, sort="play_count", order="desc") == ["Undated", "Long", "Short"]
    assert await titles(catalog, sort="added") == ["Short", "Undated", "Long"]
    assert await titles(catalog, sort="added", order="desc") == ["Long", "Undated", "Short"]
    played = await catalog.get_track(second[0].id)
    assert played is not None and played.play_count == 6
    assert first[0].added_at <= second[0].added_at <= third[0].added_at


async def test_album_listing_sorts_by_year_and_added(catalog: CatalogBackend) -> None:
    await add(catalog, scanned("1.flac", album="Middle", year=2000))
    await add(catalog, scanned("2.flac", album="Undated"))
    await add(catalog, scanned("3.flac", album="Early", year=1970))
    by_year = await catalog.list_albums(ListQuery(sort="year"))
    assert [a.title for a in by_year.items] == ["Early", "Middle", "Undated"]
    by_added = await catalog.list_albums(ListQuery(sort="added", order="desc"))
    assert [a.title for a in by_added.items] == ["Early", "Undated", "Middle"]


@pytest.mark.parametrize(
    ("listing", "allowed"),
    [
        ("list_tracks", ["title", "artist", "album", "year", "added", "duration", "play_count"]),
        ("list_albums", ["title", "artist", "year", "added"]),
        ("list_artists", ["name"]),
    ],
)
async def test_unknown_sort_key_is_rejected_with_the_allowed_ones(
    catalog: CatalogBackend, listing: str, allowed: list[str]
) -> None:
    with pytest.raises(InvalidInput) as error:
        await getattr(catalog, listing)(ListQuery(sort="loudness"))
    message = str(error.value)
    assert "'loudness'" in message
    for key in allowed:
        assert key in message


async def test_filters_that_do_not_apply_are_rejected(catalog: CatalogBackend) -> None:
    with pytest.raises(InvalidInput, match="year"):
        await catalog.list_artists(ListQuery(year=1999))
    with pytest.raises(InvalidInput, match="album_id"):
        await catalog.list_albums(ListQuery(album_id="al0"))


async def test_negative_paging_is_rejected(catalog: CatalogBackend) -> None:
    with pytest.raises(InvalidInput, match="offset"):
        await catalog.list_tracks(ListQuery(offset=-1))


async def test_album_tracks_default_to_disc_and_track_order(catalog: CatalogBackend) -> None:
    tracks = await add(
        catalog,
        scanned("lp/d2t1.flac", "Mmm", album="LP", disc_number=2, track_number=1),
        scanned("lp/d1t2.flac", "Aaa", album="LP", disc_number=1, track_number=2),
        scanned("lp/d1t1.flac", "Zzz", album="LP", disc_number=1, track_number=1),
        scanned("other.flac", "Other", album="Another"),
    )
    album_id = tracks[0].album_id
    assert await titles(catalog, album_id=album_id) == ["Zzz", "Aaa", "Mmm"]
    assert await titles(catalog, album_id=album_id, sort="title") == ["Aaa", "Mmm", "Zzz"]


async def test_track_filters(catalog: CatalogBackend) -> None:
    await add(
        catalog,
        scanned("1.flac", "Rock one", genres=["Rock"], year=1980, artists=["A"], album="R"),
        scanned("2.flac", "Rock two", genres=["rock", "Pop"], year=1990, artists=["B"]),
        scanned("3.flac", "Rock and roll", genres=["Rock & Roll"], year=1980, artists=["A"]),
        scanned("4.flac", "Prog", genres=["Progressive Rock"], artists=["B"], album="R"),
    )
    assert await titles(catalog, genre="ROCK", sort="title") == ["Rock one", "Rock two"]
    assert await titles(catalog, genre="rock & roll") == ["Rock and roll"]
    assert await titles(catalog, genre="Jazz") == []
    assert await titles(catalog, year=1980, sort="title") == ["Rock and roll", "Rock one"]
    a = identity.artist_id("A")
    assert await titles(catalog, artist_id=a, sort="title") == ["Rock and roll", "Rock one"]
    assert await titles(catalog, artist_id=a, year=1990) == []
    r = identity.album_id(scanned("x", album="R", artists=["A"]))
    assert await titles(catalog, album_id=r, sort="title") == ["Rock one"]
    page = await catalog.list_tracks(ListQuery(genre="rock", limit=1))
    assert page.total == 2 and len(page.items) == 1


async def test_album_and_artist_filters(catalog: CatalogBackend) -> None:
    await add(
        catalog,
        scanned("1.flac", album="Loud", artists=["A"], genres=["Metal"], year=1986),
        scanned("2.flac", album="Soft", artists=["B"], genres=["Folk"], year=1971),
        scanned("3.flac", album="Mixed", artists=["B"], genres=["metal"], year=1986),
    )

    async def album_titles(**query: Any) -> list[str]:
        page = await catalog.list_albums(ListQuery(sort="title", **query))
        return [a.title for a in page.items]

    assert await album_titles(genre="METAL") == ["Loud", "Mixed"]
    assert await album_titles(year=1971) == ["Soft"]
    assert await album_titles(artist_id=identity.artist_id("B")) == ["Mixed", "Soft"]
    assert await album_titles(artist_id=identity.artist_id("B"), genre="metal") == ["Mixed"]
    artists = await catalog.list_artists(ListQuery(genre="folk"))
    assert [a.name for a in artists.items] == ["B"]
    assert artists.total == 1


async def test_genres_merge_case_and_skip_missing_tracks(catalog: CatalogBackend) -> None:
    tracks = await add(
        catalog,
        scanned("1.flac", genres=["Rock"], album="One"),
        scanned("2.flac", genres=["Rock"], album="Two"),
        scanned("3.flac", genres=["rock", "Jazz"], album="Two"),
        scanned("4.flac", genres=["Polka"]),
    )
    await catalog.apply_scan(ScanChanges(root=ROOT, removed=[tracks[3].id]))
    genres = await catalog.list_genres()
    assert [(g.name, g.track_count, g.album_count) for g in genres] == [
        ("Jazz", 1, 1),
        ("Rock", 3, 2),
    ]


async def test_get_tracks_keeps_the_order_asked(catalog: CatalogBackend) -> None:
    one, two, three = await add(catalog, scanned("1.flac"), scanned("2.flac"), scanned("3.flac"))
    found = await catalog.get_tracks([three.id, "tr0000000000000000", one.id, two.id, three.id])
    assert [t.id for t in found] == [three.id, one.id, two.id, three.id]
    assert await catalog.get_tracks([]) == []


async def test_get_albums_keeps_the_order_asked(catalog: CatalogBackend) -> None:
    await add(
        catalog,
        scanned("a/1.flac", album="Alpha", artists=["Ann"]),
        scanned("b/1.flac", album="Beta", artists=["Bob"]),
        scanned("c/1.flac", album="Gamma", artists=["Cy"]),
    )
    by_title = {a.title: a for a in (await catalog.list_albums(ListQuery(limit=10))).items}
    alpha, beta, gamma = by_title["Alpha"], by_title["Beta"], by_title["Gamma"]
    found = await catalog.get_albums([gamma.id, "al0000000000000000", alpha.id, gamma.id])
    assert found == [gamma, alpha, gamma]
    assert await catalog.get_albums([beta.id]) == [await catalog.get_album(beta.id)]
    assert await catalog.get_albums(["al0000000000000000"]) == []
    assert await catalog.get_albums([]) == []


async def test_get_artists_keeps_the_order_asked(catalog: CatalogBackend) -> None:
    await add(
        catalog,
        scanned("1.flac", artists=["Ann"]),
        scanned("2.flac", artists=["Bob"]),
        scanned("3.flac", artists=["Cy"]),
    )
    by_name = {a.name: a for a in (await catalog.list_artists(ListQuery(limit=10))).items}
    ann, bob, cy = by_name["Ann"], by_name["Bob"], by_name["Cy"]
    found = await catalog.get_artists([cy.id, "ar0000000000000000", ann.id, cy.id])
    assert found == [cy, ann, cy]
    assert await catalog.get_artists([bob.id]) == [await catalog.get_artist(bob.id)]
    assert await catalog.get_artists(["ar0000000000000000"]) == []
    assert await catalog.get_artists([]) == []


async def test_batch_reads_take_more_ids_than_sqlite_binds(catalog: CatalogBackend) -> None:
    # Far past SQLite's default limit on bound variables (999 before 3.32).
    await add(catalog, scanned("1.flac", album="Alpha", artists=["Ann"]))
    album = (await catalog.list_albums(ListQuery(limit=1))).items[0]
    artist = await catalog.get_artist(album.artist_id)
    assert artist is not None
    unknown = [f"zz{i:016d}" for i in range(40_000)]
    assert await catalog.get_albums([*unknown, album.id]) == [album]
    assert await catalog.get_artists([artist.id, *unknown]) == [artist]


# --- users and credentials --------------------------------------------------------


async def test_users(catalog: CatalogBackend) -> None:
    assert await catalog.count_users() == 0
    alice = await catalog.create_user("Alice", "hash-a", is_admin=True)
    bob = await catalog.create_user("bob", "hash-b", is_admin=False)
    assert alice.id.startswith("us") and alice.id != bob.id
    assert alice.is_admin and not bob.is_admin
    assert await catalog.get_user(alice.id) == alice
    assert await catalog.get_user_by_name("ALICE") == alice
    assert await catalog.get_user_by_name("carol") is None
    assert await catalog.get_user("us-none") is None
    assert await catalog.get_password_hash(bob.id) == "hash-b"
    await catalog.set_password_hash(bob.id, "hash-b2")
    assert await catalog.get_password_hash(bob.id) == "hash-b2"
    assert await catalog.get_password_hash("us-none") is None
    assert [u.name for u in await catalog.list_users()] == ["Alice", "bob"]
    assert await catalog.count_users() == 2


async def test_user_names_are_unique_ignoring_case(catalog: CatalogBackend) -> None:
    await catalog.create_user("Alice", "h", is_admin=False)
    with pytest.raises(Conflict, match="Alice"):
        await catalog.create_user("aLICE", "h", is_admin=False)
    assert await catalog.count_users() == 1


def credential(cid: str, user_id: str, token_hash: str, **fields: Any) -> Credential:
    return Credential(
        id=cid,
        user_id=user_id,
        kind=fields.pop("kind", "session"),
        name=fields.pop("name", "browser"),
        token_hash=token_hash,
        created_at=fields.pop("created_at", time.time()),
        **fields,
    )


async def test_credentials(catalog: CatalogBackend) -> None:
    alice = await catalog.create_user("alice", "h", is_admin=False)
    bob = await catalog.create_user("bob", "h", is_admin=False)
    now = time.time()
    session = credential("cr1", alice.id, "hash1", expires_at=now + 3600, created_at=now)
    api_key = credential("cr2", alice.id, "hash2", kind="api_key", created_at=now + 1)
    expired = credential("cr3", alice.id, "hash3", expires_at=now - 1, created_at=now + 2)
    bobs = credential("cr4", bob.id, "hash4")
    for c in (session, api_key, expired, bobs):
        await catalog.add_credential(c)

    assert await catalog.find_credential("hash1") == (session, alice)
    assert await catalog.find_credential("hash2") == (api_key, alice)
    assert await catalog.find_credential("hash3") is None
    assert await catalog.find_credential("nope") is None
    assert [c.id for c in await catalog.list_credentials(alice.id)] == ["cr1", "cr2", "cr3"]

    await catalog.touch_credential("cr1", now + 60)
    found = await catalog.find_credential("hash1")
    assert found is not None and found[0].last_used_at == now + 60

    assert await catalog.delete_credential(bob.id, "cr1") is False
    assert await catalog.find_credential("hash1") is not None
    assert await catalog.delete_credential(alice.id, "cr1") is True
    assert await catalog.find_credential("hash1") is None
    assert await catalog.delete_credential(alice.id, "cr1") is False
    assert [c.id for c in await catalog.list_credentials(bob.id)] == ["cr4"]


# --- scan state --------------------------------------------------------------------


async def test_problems_are_replaced_per_root(catalog: CatalogBackend) -> None:
    def problem(root: str, relpath: str) -> ScanProblem:
        return ScanProblem(root=root, relpath=relpath, reason="not audio", seen_at=1.5)

    assert await catalog.list_problems() == []
    await catalog.replace_problems("/a", [problem("/a", "x.mp3"), problem("/a", "y.mp3")])
    await catalog.replace_problems("/b", [problem("/b", "z.mp3")])
    await catalog.replace_problems("/a", [problem("/a", "w.mp3")])
    assert await catalog.list_problems() == [problem("/a", "w.mp3"), problem("/b", "z.mp3")]
    await catalog.replace_problems("/b", [])
    assert await catalog.list_problems() == [problem("/a", "w.mp3")]


async def test_scan_report_keeps_the_latest(catalog: CatalogBackend) -> None:
    assert await catalog.last_scan_report() is None
    running = ScanReport(started_at=10.0, files_seen=3)
    await catalog.save_scan_report(running)
    assert await catalog.last_scan_report() == running
    done = ScanReport(
        started_at=10.0,
        finished_at=12.5,
        state="failed",
        files_seen=10,
        files_read=9,
        added=5,
        changed=2,
        moved=1,
        removed=1,
        problems=1,
        error="disk vanished",
    )
    await catalog.save_scan_report(done)
    assert await catalog.last_scan_report() == done


# --- lifecycle ------------------------------------------------------------------------


async def test_ping_answers_when_started(catalog: CatalogBackend) -> None:
    await catalog.ping()  # raises if the backend cannot serve


async def test_everything_survives_close_and_reopen(catalog_opener: CatalogOpener) -> None:
    catalog = await catalog_opener.open()
    tracks = await add(
        catalog,
        scanned("1.flac", "One", album="LP", artists=["A"], genres=["Rock"]),
        scanned("2.flac", "Two", album="LP", artists=["A"]),
    )
    await catalog.add_play_counts({tracks[0].id: 9})
    await catalog.apply_scan(ScanChanges(root=ROOT, removed=[tracks[1].id]))
    user = await catalog.create_user("alice", "h", is_admin=True)
    await catalog.add_credential(credential("cr1", user.id, "hash1"))
    await catalog.replace_problems(
        ROOT, [ScanProblem(root=ROOT, relpath="x", reason="r", seen_at=1)]
    )
    await catalog.save_scan_report(ScanReport(started_at=1.0, state="finished"))
    before = [await catalog.get_track(t.id) for t in tracks]
    album_before = await catalog.get_album(tracks[0].album_id or "")
    await catalog_opener.close(catalog)

    reopened = await catalog_opener.open()
    assert [await reopened.get_track(t.id) for t in tracks] == before
    assert await reopened.get_album(tracks[0].album_id or "") == album_before
    assert await titles(reopened) == ["One"]
    assert await reopened.get_user_by_name("Alice") == user
    assert await reopened.find_credential("hash1") is not None
    assert len(await reopened.list_problems()) == 1
    report = await reopened.last_scan_report()
    assert report is not None and report.state == "finished"
    assert [g.name for g in await reopened.list_genres()] == ["Rock"]


async def test_thousands_of_tracks_in_batches(catalog: CatalogBackend) -> None:
    batches = [
        [
            scanned(
                f"artist{i % 10}/album{i % 20}/{i:04}.flac",
                f"Track {i}",
                artists=[f"Artist {i % 10}"],
                album=f"Album {i % 20}",
                genres=["Genre"],
                track_number=i // 20 + 1,
            )
            for i in range(start, start + 500)
        ]
        for start in range(0, 2000, 500)
    ]
    added: list[Track] = []
    for batch in batches:
        added += await add(catalog, *batch)
    assert len({t.id for t in added}) == 2000
    assert (await catalog.list_tracks(ListQuery(limit=1))).total == 2000
    states = await catalog.file_states(ROOT)
    assert len(states) == 2000
    albums = await catalog.list_albums(ListQuery(limit=100))
    assert albums.total == 20 and {a.track_count for a in albums.items} == {100}
    artists = await catalog.list_artists(ListQuery(limit=100))
    assert artists.total == 10
    assert {(a.album_count, a.track_count) for a in artists.items} == {(2, 200)}
    # A rescan that finds every file changed keeps every id.
    updated = [(t.id, msgspec.structs.replace(facts_of(t), mtime_ns=1)) for t in added]
    applied = await catalog.apply_scan(ScanChanges(root=ROOT, updated=updated))
    assert [t.id for t in applied.changed] == [t.id for t in added]
    assert {s.mtime_ns for s in (await catalog.file_states(ROOT)).values()} == {1}
    assert [g.track_count for g in await catalog.list_genres()] == [2000]


async def test_artist_tagged_with_and_without_musicbrainz_id_is_one_artist(
    catalog: CatalogBackend,
) -> None:
    mbid = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
    await add(
        catalog,
        scanned("1.flac", artists=["Zoë Ångström"], musicbrainz_artist_id=mbid),
        scanned("2.flac", artists=["Zoe Angstrom"]),
        scanned("3.flac", artists=["ZOË ÅNGSTRÖM"], musicbrainz_artist_id=mbid),
    )
    page = await catalog.list_artists(ListQuery(limit=50))
    assert [(a.track_count, a.musicbrainz_id) for a in page.items] == [(3, mbid)]


async def test_user_secrets_are_kept_per_user_and_name(catalog: CatalogBackend) -> None:
    from segue.errors import NotFound

    alice = await catalog.create_user("alice", "h", is_admin=False)
    bob = await catalog.create_user("bob", "h", is_admin=False)
    assert await catalog.get_user_secret(alice.id, "subsonic.password") is None
    await catalog.set_user_secret(alice.id, "subsonic.password", "sealed-a")
    await catalog.set_user_secret(alice.id, "subsonic.ratings", '{"t1": 4}')
    await catalog.set_user_secret(bob.id, "subsonic.password", "sealed-b")
    assert await catalog.get_user_secret(alice.id, "subsonic.password") == "sealed-a"
    assert await catalog.get_user_secret(alice.id, "subsonic.ratings") == '{"t1": 4}'
    assert await catalog.get_user_secret(bob.id, "subsonic.password") == "sealed-b"
    # Setting again replaces; None deletes only that name of that user.
    await catalog.set_user_secret(alice.id, "subsonic.password", "sealed-a2")
    assert await catalog.get_user_secret(alice.id, "subsonic.password") == "sealed-a2"
    await catalog.set_user_secret(alice.id, "subsonic.password", None)
    assert await catalog.get_user_secret(alice.id, "subsonic.password") is None
    assert await catalog.get_user_secret(alice.id, "subsonic.ratings") == '{"t1": 4}'
    assert await catalog.get_user_secret(bob.id, "subsonic.password") == "sealed-b"
    with pytest.raises(NotFound):
        await catalog.set_user_secret("us-none", "subsonic.password", "x")
