"""Reading tracks, albums and artists by id (one or many), genres, and counting plays."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

import anyio
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from segue.models import Album, Artist, GenreCount, Track
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
ID_BATCH = 5000
"""Ids asked per ``$in`` query: keeps each query document small whatever is asked."""


async def get_one(
    db: AsyncDatabase[Document],
    collection: str,
    item_id: str,
    projection: Document,
    build: Callable[[Document], T],
) -> T | None:
    doc = await db[collection].find_one({"_id": item_id}, projection)
    return None if doc is None else build(doc)


async def get_many(
    db: AsyncDatabase[Document],
    collection: str,
    item_ids: Sequence[str],
    projection: Document,
    build: Callable[[Document], T],
) -> list[T]:
    """The known items among ``item_ids``, in the order (and with the repeats) asked."""
    unique = list(dict.fromkeys(item_ids))
    found: dict[str, T] = {}
    for start in range(0, len(unique), ID_BATCH):
        batch = unique[start : start + ID_BATCH]
        async for doc in db[collection].find({"_id": {"$in": batch}}, projection):
            found[doc["_id"]] = build(doc)
    return [found[i] for i in item_ids if i in found]


async def get_track(db: AsyncDatabase[Document], track_id: str) -> Track | None:
    """Missing tracks are returned too (flagged ``missing``): playlists still refer to them."""
    return await get_one(db, "tracks", track_id, TRACK_PROJECTION, track_from_document)


async def get_tracks(db: AsyncDatabase[Document], track_ids: Sequence[str]) -> list[Track]:
    return await get_many(db, "tracks", track_ids, TRACK_PROJECTION, track_from_document)


async def get_album(db: AsyncDatabase[Document], album_id: str) -> Album | None:
    return await get_one(db, "albums", album_id, ALBUM_PROJECTION, album_from_document)


async def get_albums(db: AsyncDatabase[Document], album_ids: Sequence[str]) -> list[Album]:
    return await get_many(db, "albums", album_ids, ALBUM_PROJECTION, album_from_document)


async def get_artist(db: AsyncDatabase[Document], artist_id: str) -> Artist | None:
    return await get_one(db, "artists", artist_id, ARTIST_PROJECTION, artist_from_document)


async def get_artists(db: AsyncDatabase[Document], artist_ids: Sequence[str]) -> list[Artist]:
    return await get_many(db, "artists", artist_ids, ARTIST_PROJECTION, artist_from_document)


async def list_genres(db: AsyncDatabase[Document]) -> list[GenreCount]:
    """Genres of present tracks, one per case-insensitive name, shown as most often tagged."""
    spellings: dict[str, Counter[str]] = {}
    tracks: Counter[str] = Counter()
    albums: dict[str, set[str]] = {}
    fields = {"genre_keys": 1, "genre_names": 1, "album_id": 1}
    async for doc in db["tracks"].find({"missing": False}, fields):
        for key, name in zip(
            doc.get("genre_keys") or [], doc.get("genre_names") or [], strict=False
        ):
            spellings.setdefault(key, Counter())[name] += 1
            tracks[key] += 1
            if doc.get("album_id") is not None:
                albums.setdefault(key, set()).add(doc["album_id"])
    genres = []
    for key, counts in spellings.items():
        # Ties go to the smallest spelling, as catalog-sqlite's ordered query gives.
        shown = min(counts, key=lambda name: (-counts[name], name))
        genres.append(
            GenreCount(name=shown, track_count=tracks[key], album_count=len(albums.get(key, ())))
        )
    return sorted(genres, key=lambda g: (g.name.casefold(), g.name))


async def add_play_counts(
    db: AsyncDatabase[Document], counts: dict[str, int], *, claimed: bool = False
) -> None:
    """``$inc``: several processes counting plays at once never lose one.

    ``claimed`` is for servers whose ``$inc`` is not atomic (FerretDB): each
    count moves from N to N+plays only after inserting the claim
    ``"<track>:<N>"``, whose unique ``_id`` lets one writer win; a loser
    re-reads the count and tries again. Claims are kept (one per count step),
    so that a writer holding a stale count can never win an old step again.
    """
    if claimed:
        for track_id, plays in counts.items():
            await _add_claimed(db, track_id, plays)
        return
    ops = [UpdateOne({"_id": i}, {"$inc": {"play_count": n}}) for i, n in counts.items()]
    if ops:
        await db["tracks"].bulk_write(ops, ordered=False)


CLAIM_ATTEMPTS = 200
"""Lost claims retried this often before a play count gives up (with an error)."""


async def _add_claimed(db: AsyncDatabase[Document], track_id: str, plays: int) -> None:
    for attempt in range(CLAIM_ATTEMPTS):
        doc = await db["tracks"].find_one({"_id": track_id}, {"play_count": 1})
        if doc is None:
            return
        count = int(doc["play_count"])
        try:
            await db["play_count_claims"].insert_one({"_id": f"{track_id}:{count}"})
        except DuplicateKeyError:
            await anyio.sleep(random.random() * min(0.05, 0.002 * (attempt + 1)))
            continue
        await db["tracks"].update_one({"_id": track_id}, {"$set": {"play_count": count + plays}})
        return
    raise RuntimeError(f"could not count {plays} plays of {track_id}: too much contention")
