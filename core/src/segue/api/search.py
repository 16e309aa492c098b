"""Core plugin: the search API, index updates following the catalog, ``segue search``.

``GET /api/v1/search`` answers pages of tracks, artists, albums and
playlists (as the catalog API shows them); ``GET /api/v1/search/suggest``
answers a few mixed suggestions while the user types, from the index alone.
Works with whichever backend fills the search slot; answers 503 when the
slot is ``none`` or the engine is down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

import click
import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.catalog import tracks_out
from segue.api.deps import Context
from segue.api.schemas import AlbumOut, TrackOut
from segue.context import SegueContext
from segue.errors import InvalidInput
from segue.events.builtin_jobs import runs_consumers
from segue.events.handlers import JobHandler
from segue.models import Artist, Track
from segue.search import cli, indexer, service, text
from segue.search.query import match_words
from segue.slots.search import SEARCH_TYPES, SearchQuery, SearchType

MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_SUGGESTIONS = 20
ALL_TYPES = ",".join(SEARCH_TYPES)


class TrackResults(msgspec.Struct, kw_only=True):
    items: list[TrackOut]
    """Tracks as ``GET /api/v1/tracks/{id}`` shows them."""
    total: int


class ArtistResults(msgspec.Struct, kw_only=True):
    items: list[Artist]
    total: int


class AlbumResults(msgspec.Struct, kw_only=True):
    items: list[AlbumOut]
    total: int


class PlaylistResults(msgspec.Struct, kw_only=True):
    items: list[dict[str, Any]]
    """Always empty until a playlists backend is installed."""
    total: int


class SearchResults(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Matches by type (only the types asked for), best first, with each type's total."""

    tracks: TrackResults | None = None
    artists: ArtistResults | None = None
    albums: AlbumResults | None = None
    playlists: PlaylistResults | None = None


class Suggestion(msgspec.Struct, kw_only=True):
    type: Literal["track", "artist", "album"]
    id: str
    label: str
    """A title or a name, to show as typed-ahead text."""
    detail: str
    """A second line: the artist and album of a track, the artist and year of an album."""


class Suggestions(msgspec.Struct, kw_only=True):
    items: list[Suggestion]


def parse_types(value: str) -> list[SearchType]:
    """``"track,album"`` -> ``["track", "album"]``; unknown names are a clear 400."""
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SEARCH_TYPES]
    if unknown or not names:
        found = ", ".join(f"'{n}'" for n in unknown) if unknown else "nothing"
        raise InvalidInput(
            f"type: unknown search type {found}; use a comma-separated list of "
            f"{', '.join(SEARCH_TYPES)} (e.g. type=track,artist)"
        )
    return [t for t in SEARCH_TYPES if t in names]


def _check_text(q: str) -> str:
    if not match_words(q):
        raise InvalidInput(
            f"q: {q!r} has no letter or digit to search for; type at least one (e.g. q=queen)"
        )
    return q


Q = Annotated[
    str,
    QueryParameter(
        min_length=1,
        max_length=200,
        description="What to search for: words of a title, artist or album; typos, "
        "accents and punctuation are forgiven, the last word may be unfinished.",
    ),
]


class SearchController(Controller):
    path = "/api/v1/search"
    tags = ["search"]

    @get("/", operation_id="search", summary="Search tracks, artists, albums and playlists")
    async def search(
        self,
        context: Context,
        q: Q,
        types: Annotated[
            str,
            QueryParameter(
                name="type",
                description=f"Comma-separated types to search: {ALL_TYPES}.",
            ),
        ] = ALL_TYPES,
        limit: Annotated[
            int, QueryParameter(ge=1, le=MAX_LIMIT, description="Results per type (1 to 100).")
        ] = 20,
        offset: Annotated[
            int,
            QueryParameter(ge=0, le=MAX_OFFSET, description="Results to skip, per type."),
        ] = 0,
        genre: Annotated[
            str | None,
            QueryParameter(max_length=200, description="Only matches with this genre."),
        ] = None,
        year: Annotated[
            int | None, QueryParameter(ge=0, le=9999, description="Only matches from this year.")
        ] = None,
    ) -> SearchResults:
        query = SearchQuery(
            text=_check_text(q),
            types=parse_types(types),
            limit=limit,
            offset=offset,
            genre=genre if genre and text.phrase(genre) else None,
            year=year,
        )
        found = await service.search(context, query)
        results = SearchResults()
        catalog = context.catalog
        if "track" in found:
            tracks: list[Track] = await catalog.get_tracks([h.ref for h in found["track"].hits])
            items = await tracks_out(context, [t for t in tracks if not t.missing])
            results.tracks = TrackResults(items=items, total=found["track"].total)
        if "artist" in found:
            artists = await catalog.get_artists([h.ref for h in found["artist"].hits])
            results.artists = ArtistResults(items=artists, total=found["artist"].total)
        if "album" in found:
            albums = await catalog.get_albums([h.ref for h in found["album"].hits])
            results.albums = AlbumResults(
                items=[AlbumOut.build(a) for a in albums], total=found["album"].total
            )
        if "playlist" in query.types:
            results.playlists = PlaylistResults(items=[], total=0)
        return results

    @get(
        "/suggest",
        operation_id="searchSuggest",
        summary="A few suggestions while typing (artists, albums and tracks mixed)",
    )
    async def suggest(
        self,
        context: Context,
        q: Q,
        limit: Annotated[
            int,
            QueryParameter(ge=1, le=MAX_SUGGESTIONS, description="How many suggestions (1 to 20)."),
        ] = 8,
    ) -> Suggestions:
        hits = await service.suggest(context, _check_text(q), limit)
        return Suggestions(
            items=[Suggestion(type=h.kind, id=h.ref, label=h.label, detail=h.detail) for h in hits]
        )


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [SearchController]


@hookimpl
def register_commands(cli: click.Group) -> None:
    _register_cli(cli)


def _register_cli(group: click.Group) -> None:
    cli.register(group)


@hookimpl
def register_jobs(context: SegueContext) -> Sequence[JobHandler]:
    return indexer.job_handlers(context)


@hookimpl
async def catalog_tracks_added(context: SegueContext, tracks: Sequence[Track]) -> None:
    await indexer.publish_tracks(context, [t.id for t in tracks])


@hookimpl
async def catalog_tracks_changed(context: SegueContext, tracks: Sequence[Track]) -> None:
    await indexer.publish_tracks(context, [t.id for t in tracks])


@hookimpl
async def catalog_tracks_removed(context: SegueContext, track_ids: Sequence[str]) -> None:
    await indexer.publish_tracks(context, track_ids)


@hookimpl
def startup(context: SegueContext) -> None:
    """Where consumers run, build an empty index over a non-empty catalog in the background."""
    if context.search is not None and runs_consumers(context):
        context.spawn(indexer.build_if_empty, context, name="search index build")
