"""Paged, sorted, filtered listings of tracks, albums and artists.

The rules (orders, filters, paging) are segue.catalog.listing_rules'; here
logical fields map to fixed document fields, so a client's value only
chooses among them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from segue.catalog.identity import genre_key
from segue.catalog.listing_rules import (
    SortKeys,
    album_sort,
    artist_sort,
    check_paging,
    track_sort,
)
from segue.models import Album, Artist, ListQuery, Page, Track
from segue_catalog_mongodb.documents import (
    ALBUM_PROJECTION,
    ARTIST_PROJECTION,
    TRACK_PROJECTION,
    Document,
    album_from_document,
    artist_from_document,
    track_from_document,
)

T = TypeVar("T")

# Logical sort fields as document fields (the *_null and disc_sort fields are
# stored for sorting: missing values sort last, an untagged disc is disc 1).
_TRACK_FIELDS = {
    "disc": "disc_sort",
    "track_number_missing": "track_number_null",
    "track_number": "track_number",
    "title": "title_key",
    "artist": "artist_key",
    "album_missing": "album_key_null",
    "album": "album_key",
    "year_missing": "year_null",
    "year": "year",
    "added": "added_at",
    "duration": "duration_ms",
    "play_count": "play_count",
}
_ALBUM_FIELDS = {
    "title": "title_key",
    "artist": "artist_key",
    "year_missing": "year_null",
    "year": "year",
    "added": "added_at",
}
_ARTIST_FIELDS = {"name": "name_key"}


async def list_tracks(db: AsyncDatabase[Document], query: ListQuery) -> Page[Track]:
    keys = track_sort(query)
    where: Document = {"missing": False}
    if query.genre is not None:
        where["genre_keys"] = genre_key(query.genre)
    if query.year is not None:
        where["year"] = query.year
    if query.artist_id is not None:
        where["$or"] = [{"artist_id": query.artist_id}, {"album_artist_id": query.artist_id}]
    if query.album_id is not None:
        where["album_id"] = query.album_id
    return await _page(
        db, "tracks", query, where, keys, _TRACK_FIELDS, TRACK_PROJECTION, track_from_document
    )


async def list_albums(db: AsyncDatabase[Document], query: ListQuery) -> Page[Album]:
    keys = album_sort(query)
    where: Document = {}
    if query.genre is not None:
        where["genre_keys"] = genre_key(query.genre)
    if query.year is not None:
        where["year"] = query.year
    if query.artist_id is not None:
        where["artist_id"] = query.artist_id
    return await _page(
        db, "albums", query, where, keys, _ALBUM_FIELDS, ALBUM_PROJECTION, album_from_document
    )


async def list_artists(db: AsyncDatabase[Document], query: ListQuery) -> Page[Artist]:
    keys = artist_sort(query)
    where: Document = {}
    if query.genre is not None:
        # Artists who perform, or are the album artist of, a present track of the genre.
        ids: set[str] = set()
        fields = {"artist_id": 1, "album_artist_id": 1}
        tracks = db["tracks"].find({"genre_keys": genre_key(query.genre), "missing": False}, fields)
        async for doc in tracks:
            ids.update((doc["artist_id"], doc["album_artist_id"]))
        where["_id"] = {"$in": sorted(ids)}
    return await _page(
        db, "artists", query, where, keys, _ARTIST_FIELDS, ARTIST_PROJECTION, artist_from_document
    )


async def _page(
    db: AsyncDatabase[Document],
    collection: str,
    query: ListQuery,
    where: Document,
    keys: SortKeys,
    fields: dict[str, str],
    projection: Document,
    build: Callable[[Document], T],
) -> Page[T]:
    check_paging(query)
    direction = DESCENDING if query.order == "desc" else ASCENDING
    order = [(fields[name], direction if follows else ASCENDING) for name, follows in keys]
    order.append(("_id", direction))
    total = await db[collection].count_documents(where)
    items: list[T] = []
    if query.limit > 0 and query.offset < total:
        cursor = (
            db[collection].find(where, projection).sort(order).skip(query.offset).limit(query.limit)
        )
        items = [build(doc) async for doc in cursor]
    return Page(items=items, total=total, offset=query.offset, limit=query.limit)
