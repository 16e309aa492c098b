"""search3 (and search2): the search slot for text, the catalog for an empty query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from segue.models import Album, Artist, ListQuery, Page, Track
from segue.search.service import search
from segue.slots.search import DocumentKind, SearchQuery
from segue_subsonic.call import Call, endpoint
from segue_subsonic.endpoints.browsing import check_folder
from segue_subsonic.envelope import Payload
from segue_subsonic.shapes import Annotations, album, album_dir, artist, notes_for, song

MAX_COUNT = 500


def _paging(call: Call, prefix: str) -> tuple[int, int]:
    return call.params.count(f"{prefix}Count", 20, MAX_COUNT), call.params.offset(f"{prefix}Offset")


def _is_everything(query: str) -> bool:
    # Clients that sync the whole library send an empty query, some as '""'.
    return query.strip().strip('"').strip() in ("", "*")


_PREFIXES: tuple[tuple[DocumentKind, str], ...] = (
    ("artist", "artist"),
    ("album", "album"),
    ("track", "song"),
)
"""Each kind with the prefix of its paging parameters (``songCount``, ``songOffset``...)."""


async def _everything(
    call: Call, pages: dict[DocumentKind, tuple[int, int]]
) -> dict[str, list[Any]]:
    """The empty query: the whole catalog, paged per kind."""
    catalog = call.context.catalog
    listings: dict[DocumentKind, Callable[[ListQuery], Awaitable[Page[Any]]]] = {
        "artist": catalog.list_artists,
        "album": catalog.list_albums,
        "track": catalog.list_tracks,
    }
    found: dict[str, list[Any]] = {}
    for kind, (count, offset) in pages.items():
        sort = "name" if kind == "artist" else "title"
        query = ListQuery(offset=offset, limit=count, sort=sort)
        found[kind] = (await listings[kind](query)).items if count else []
    return found


async def _found(call: Call) -> tuple[list[Artist], list[Album], list[Track]]:
    check_folder(call)
    query = call.params.get("query") or ""
    pages = {kind: _paging(call, prefix) for kind, prefix in _PREFIXES}
    catalog = call.context.catalog
    if _is_everything(query):
        listed = await _everything(call, pages)
        return listed["artist"], listed["album"], listed["track"]
    ids: dict[DocumentKind, list[str]] = {}
    for kind, (count, offset) in pages.items():
        ids[kind] = []
        if count:
            request = SearchQuery(text=query, types=[kind], limit=count, offset=offset)
            ids[kind] = [hit.ref for hit in (await search(call.context, request))[kind].hits]
    return (
        await catalog.get_artists(ids["artist"]),
        await catalog.get_albums(ids["album"]),
        [t for t in await catalog.get_tracks(ids["track"]) if not t.missing],
    )


@endpoint("search3")
async def search3(call: Call) -> Payload:
    artists, albums, tracks = await _found(call)
    notes = await notes_for(call)
    return {"searchResult3": _result(notes, artists, albums, tracks, id3=True)}


@endpoint("search2")
async def search2(call: Call) -> Payload:
    artists, albums, tracks = await _found(call)
    notes = await notes_for(call)
    return {"searchResult2": _result(notes, artists, albums, tracks, id3=False)}


def _result(
    notes: Annotations,
    artists: list[Artist],
    albums: list[Album],
    tracks: list[Track],
    *,
    id3: bool,
) -> Payload:
    return {
        "artist": [artist(a, notes) if id3 else {"id": a.id, "name": a.name} for a in artists],
        "album": [album(a, notes) if id3 else album_dir(a, notes) for a in albums],
        "song": [song(t, notes) for t in tracks],
    }
