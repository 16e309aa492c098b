"""Lists: album lists (all types), random songs, songs by genre, top and similar songs."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from segue.models import Album, ListQuery, Page, Track
from segue_subsonic.call import Call, endpoint
from segue_subsonic.endpoints.browsing import check_folder, every, get_artist_or_70
from segue_subsonic.envelope import Payload, bad_value, missing, not_found
from segue_subsonic.shapes import album, album_dir, notes_for, song

T = TypeVar("T")
MAX_SIZE = 500
SCAN_LIMIT = 5000
"""Tracks or history entries read at most to rank albums by plays."""
ALBUM_LIST_TYPES = (
    "random",
    "newest",
    "highest",
    "frequent",
    "recent",
    "alphabeticalByName",
    "alphabeticalByArtist",
    "starred",
    "byYear",
    "byGenre",
)


async def random_items(
    fetch: Callable[[ListQuery], Awaitable[Page[T]]], size: int, **filters: object
) -> list[T]:
    """``size`` distinct items at random offsets of a catalog listing."""
    total = (await fetch(ListQuery(limit=0, **filters))).total  # type: ignore[arg-type]
    picked: list[T] = []
    for offset in random.sample(range(total), min(size, total)):
        page = await fetch(ListQuery(offset=offset, limit=1, **filters))  # type: ignore[arg-type]
        picked += page.items
    return picked


async def _albums_by_ids(call: Call, ids: list[str]) -> list[Album]:
    return await call.context.catalog.get_albums(ids)


async def _frequent(call: Call, offset: int, size: int) -> list[Album]:
    plays: dict[str, int] = {}
    for track in await _top_tracks(call):
        if track.album_id and track.play_count:
            plays[track.album_id] = plays.get(track.album_id, 0) + track.play_count
    ranked = sorted(plays, key=lambda a: -plays[a])
    return await _albums_by_ids(call, ranked[offset : offset + size])


async def _top_tracks(call: Call, **filters: object) -> list[Track]:
    page = await call.context.catalog.list_tracks(
        ListQuery(limit=SCAN_LIMIT, sort="play_count", order="desc", **filters)  # type: ignore[arg-type]
    )
    return page.items


async def _recent(call: Call, offset: int, size: int) -> list[Album]:
    playlists = call.context.playlists
    if playlists is None:
        return []
    history = await playlists.list_history(call.user.id, 0, SCAN_LIMIT)
    tracks = {
        t.id: t for t in await call.context.catalog.get_tracks([h.track_id for h in history.items])
    }
    ordered: dict[str, None] = {}
    for entry in history.items:
        track = tracks.get(entry.track_id)
        if track is not None and track.album_id:
            ordered.setdefault(track.album_id, None)
    return await _albums_by_ids(call, list(ordered)[offset : offset + size])


async def _by_year(call: Call, offset: int, size: int) -> list[Album]:
    params = call.params
    if params.get("fromYear") in (None, ""):
        raise missing("fromYear")
    if params.get("toYear") in (None, ""):
        raise missing("toYear")
    start = params.required_int("fromYear")
    end = params.required_int("toYear")
    low, high = min(start, end), max(start, end)
    albums = [
        a
        for a in await every(call.context.catalog.list_albums, sort="year")
        if a.year is not None and low <= a.year <= high
    ]
    if start > end:
        albums.reverse()
    return albums[offset : offset + size]


async def album_list(call: Call) -> list[Album]:
    """The albums of getAlbumList/getAlbumList2 for the call's ``type``."""
    check_folder(call)
    params = call.params
    kind = params.require("type")
    size = params.count("size", 10, MAX_SIZE)
    offset = params.offset("offset")
    catalog = call.context.catalog

    def query(sort: str, order: str = "asc", **filters: object) -> ListQuery:
        return ListQuery(offset=offset, limit=size, sort=sort, order=order, **filters)  # type: ignore[arg-type]

    if kind == "random":
        return await random_items(catalog.list_albums, size)
    if kind == "newest":
        return (await catalog.list_albums(query("added", "desc"))).items
    if kind == "alphabeticalByName":
        return (await catalog.list_albums(query("title"))).items
    if kind == "alphabeticalByArtist":
        return (await catalog.list_albums(query("artist"))).items
    if kind == "byGenre":
        return (await catalog.list_albums(query("title", genre=params.require("genre")))).items
    if kind == "byYear":
        return await _by_year(call, offset, size)
    if kind == "starred":
        playlists = call.context.playlists
        if playlists is None:
            return []
        saved = await playlists.list_saved(call.user.id, "album", offset, size)
        return await _albums_by_ids(call, [s.item_id for s in saved.items])
    if kind == "highest":
        notes = await notes_for(call)
        rated = [
            i for i in sorted(notes.ratings, key=lambda i: -notes.ratings[i]) if i.startswith("al")
        ]
        return await _albums_by_ids(call, rated[offset : offset + size])
    if kind == "frequent":
        return await _frequent(call, offset, size)
    if kind == "recent":
        return await _recent(call, offset, size)
    raise bad_value("type", kind, "one of " + ", ".join(ALBUM_LIST_TYPES))


@endpoint("getAlbumList2")
async def get_album_list2(call: Call) -> Payload:
    albums = await album_list(call)
    notes = await notes_for(call)
    return {"albumList2": {"album": [album(a, notes) for a in albums]}}


@endpoint("getAlbumList")
async def get_album_list(call: Call) -> Payload:
    albums = await album_list(call)
    notes = await notes_for(call)
    return {"albumList": {"album": [album_dir(a, notes) for a in albums]}}


@endpoint("getRandomSongs")
async def get_random_songs(call: Call) -> Payload:
    check_folder(call)
    params = call.params
    size = params.count("size", 10, MAX_SIZE)
    genre = params.get("genre") or None
    start, end = params.integer("fromYear"), params.integer("toYear")
    catalog = call.context.catalog
    if start is None and end is None:
        tracks = await random_items(catalog.list_tracks, size, genre=genre)
    else:
        low, high = start if start is not None else 0, end if end is not None else 9999
        pool = [
            t
            for t in await every(catalog.list_tracks, genre=genre, sort="year")
            if t.year is not None and low <= t.year <= high
        ]
        tracks = random.sample(pool, min(size, len(pool)))
    notes = await notes_for(call)
    return {"randomSongs": {"song": [song(t, notes) for t in tracks]}}


@endpoint("getSongsByGenre")
async def get_songs_by_genre(call: Call) -> Payload:
    params = call.params
    genre = params.require("genre")
    count = params.count("count", 10, MAX_SIZE)
    query = ListQuery(offset=params.offset("offset"), limit=count, sort="title", genre=genre)
    tracks = (await call.context.catalog.list_tracks(query)).items
    notes = await notes_for(call)
    return {"songsByGenre": {"song": [song(t, notes) for t in tracks]}}


@endpoint("getTopSongs")
async def get_top_songs(call: Call) -> Payload:
    params = call.params
    name = params.require("artist")
    count = params.count("count", 50, MAX_SIZE)
    catalog = call.context.catalog
    # Subsonic names the artist; every catalog artist of that name (case-insensitive) counts.
    artists = [a for a in await every(catalog.list_artists) if a.name.casefold() == name.casefold()]
    tracks: list[Track] = []
    for found in artists:
        tracks += await _top_tracks(call, artist_id=found.id)
    tracks.sort(key=lambda t: -t.play_count)
    notes = await notes_for(call)
    return {"topSongs": {"song": [song(t, notes) for t in tracks[:count]]}}


async def _similar(
    call: Call, artist_id: str, count: int, exclude: str | None = None
) -> list[Track]:
    """Songs like an artist's: theirs first, then songs sharing their genres, shuffled.

    Segue has no similarity service yet; artist and genre are what the catalog knows.
    """
    catalog = call.context.catalog
    own = await every(catalog.list_tracks, artist_id=artist_id)
    genres = {g for t in own for g in t.genres}
    pool = {t.id: t for t in own if t.id != exclude}
    for genre in sorted(genres)[:5]:
        for track in (await catalog.list_tracks(ListQuery(limit=MAX_SIZE, genre=genre))).items:
            if track.id != exclude:
                pool.setdefault(track.id, track)
    picked = list(pool.values())
    random.shuffle(picked)
    return picked[:count]


@endpoint("getSimilarSongs2")
async def get_similar_songs2(call: Call) -> Payload:
    found = await get_artist_or_70(call, call.params.require("id"))
    count = call.params.count("count", 50, MAX_SIZE)
    notes = await notes_for(call)
    tracks = await _similar(call, found.id, count)
    return {"similarSongs2": {"song": [song(t, notes) for t in tracks]}}


@endpoint("getSimilarSongs")
async def get_similar_songs(call: Call) -> Payload:
    item_id = call.params.require("id")
    count = call.params.count("count", 50, MAX_SIZE)
    catalog = call.context.catalog
    exclude = None
    if item_id.startswith("ar"):
        artist_id = (await get_artist_or_70(call, item_id)).id
    elif (track := await catalog.get_track(item_id)) is not None:
        artist_id, exclude = track.artist_id, track.id
    elif (found_album := await catalog.get_album(item_id)) is not None:
        artist_id = found_album.artist_id
    else:
        raise not_found(f"no song, album or artist with id {item_id!r}")
    notes = await notes_for(call)
    tracks = await _similar(call, artist_id, count, exclude)
    return {"similarSongs": {"song": [song(t, notes) for t in tracks]}}
