"""Paged, sorted, filtered listings of tracks, albums and artists (catalog-sqlite's rules).

Sort keys map to fixed lists of document fields; a client's value only
chooses among them, and an unknown key is an error naming the allowed ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from segue.errors import InvalidInput
from segue.models import Album, Artist, ListQuery, Page, Track
from segue_catalog_mongodb.documents import (
    ALBUM_PROJECTION,
    ARTIST_PROJECTION,
    TRACK_PROJECTION,
    Document,
    album_from_document,
    artist_from_document,
    genre_key,
    track_from_document,
)

T = TypeVar("T")

DEFAULT_SORT = "name"
"""ListQuery's default; means each listing's natural order."""

# (field, follows the asked order?) - secondary keys stay ascending so that
# e.g. artists sorted Z-A still list each artist's albums in order.
SortKeys = tuple[tuple[str, bool], ...]

_ALBUM_ORDER: SortKeys = (
    ("disc_sort", True),
    ("track_number_null", False),
    ("track_number", True),
    ("title_key", False),
)
_TRACK_SORTS: dict[str, SortKeys] = {
    "title": (("title_key", True),),
    "artist": (
        ("artist_key", True),
        ("album_key_null", False),
        ("album_key", False),
        *((name, False) for name, _ in _ALBUM_ORDER),
    ),
    "album": (
        ("album_key_null", False),
        ("album_key", True),
        *((name, False) for name, _ in _ALBUM_ORDER),
    ),
    "year": (("year_null", False), ("year", True), ("artist_key", False)),
    "added": (("added_at", True),),
    "duration": (("duration_ms", True),),
    "play_count": (("play_count", True),),
}
_ALBUM_SORTS: dict[str, SortKeys] = {
    "title": (("title_key", True),),
    "artist": (
        ("artist_key", True),
        ("year_null", False),
        ("year", False),
        ("title_key", False),
    ),
    "year": (("year_null", False), ("year", True), ("title_key", False)),
    "added": (("added_at", True),),
}
_ARTIST_SORTS: dict[str, SortKeys] = {"name": (("name_key", True),)}
_FILTERS = {"albums": "genre, year, artist_id", "artists": "genre"}


async def list_tracks(db: AsyncDatabase[Document], query: ListQuery) -> Page[Track]:
    if query.sort == DEFAULT_SORT:
        keys = _ALBUM_ORDER if query.album_id is not None else _TRACK_SORTS["title"]
    else:
        keys = _sort_keys("tracks", query.sort, _TRACK_SORTS)
    where: Document = {"missing": False}
    if query.genre is not None:
        where["genre_keys"] = genre_key(query.genre)
    if query.year is not None:
        where["year"] = query.year
    if query.artist_id is not None:
        where["$or"] = [{"artist_id": query.artist_id}, {"album_artist_id": query.artist_id}]
    if query.album_id is not None:
        where["album_id"] = query.album_id
    return await _page(db, "tracks", query, where, keys, TRACK_PROJECTION, track_from_document)


async def list_albums(db: AsyncDatabase[Document], query: ListQuery) -> Page[Album]:
    sort = "title" if query.sort == DEFAULT_SORT else query.sort
    keys = _sort_keys("albums", sort, _ALBUM_SORTS)
    _refuse_filters("albums", album_id=query.album_id)
    where: Document = {}
    if query.genre is not None:
        where["genre_keys"] = genre_key(query.genre)
    if query.year is not None:
        where["year"] = query.year
    if query.artist_id is not None:
        where["artist_id"] = query.artist_id
    return await _page(db, "albums", query, where, keys, ALBUM_PROJECTION, album_from_document)


async def list_artists(db: AsyncDatabase[Document], query: ListQuery) -> Page[Artist]:
    keys = _sort_keys("artists", query.sort, _ARTIST_SORTS)
    _refuse_filters("artists", year=query.year, artist_id=query.artist_id, album_id=query.album_id)
    where: Document = {}
    if query.genre is not None:
        # Artists who perform, or are the album artist of, a present track of the genre.
        ids: set[str] = set()
        fields = {"artist_id": 1, "album_artist_id": 1}
        tracks = db["tracks"].find({"genre_keys": genre_key(query.genre), "missing": False}, fields)
        async for doc in tracks:
            ids.update((doc["artist_id"], doc["album_artist_id"]))
        where["_id"] = {"$in": sorted(ids)}
    return await _page(db, "artists", query, where, keys, ARTIST_PROJECTION, artist_from_document)


def _sort_keys(listing: str, sort: str, sorts: dict[str, SortKeys]) -> SortKeys:
    keys = sorts.get(sort)
    if keys is None:
        allowed = ", ".join(f"'{name}'" for name in sorts)
        raise InvalidInput(
            f"cannot sort {listing} by '{sort}': sort must be one of {allowed} "
            f"(or '{DEFAULT_SORT}' for the default order)"
        )
    return keys


def _refuse_filters(listing: str, **filters: object) -> None:
    unused = [name for name, value in filters.items() if value is not None]
    if unused:
        raise InvalidInput(
            f"{listing} cannot be filtered by {', '.join(unused)}; "
            f"{listing} filters: {_FILTERS[listing]}"
        )


async def _page(
    db: AsyncDatabase[Document],
    collection: str,
    query: ListQuery,
    where: Document,
    keys: SortKeys,
    projection: Document,
    build: Callable[[Document], T],
) -> Page[T]:
    if query.offset < 0 or query.limit < 0:
        raise InvalidInput(
            f"offset and limit must be 0 or more, got offset={query.offset}, limit={query.limit}"
        )
    direction = DESCENDING if query.order == "desc" else ASCENDING
    order = [(name, direction if follows else ASCENDING) for name, follows in keys]
    order.append(("_id", direction))
    total = await db[collection].count_documents(where)
    items: list[T] = []
    if query.limit > 0 and query.offset < total:
        cursor = (
            db[collection].find(where, projection).sort(order).skip(query.offset).limit(query.limit)
        )
        items = [build(doc) async for doc in cursor]
    return Page(items=items, total=total, offset=query.offset, limit=query.limit)
