"""Your library (saved tracks, albums, artists) and your listening history.

History is fed by playback reports: the ``playback_event`` hook (run by the
consumers of the ``playback`` topic) stores each report once, by event id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.catalog import tracks_out
from segue.api.deps import Context
from segue.api.playlist_schemas import (
    HistoryOut,
    HistoryPage,
    LibraryChange,
    LibraryPage,
    SavedOut,
)
from segue.api.schemas import AlbumOut
from segue.context import SegueContext
from segue.models import Credential, PlaybackEvent, User
from segue.playlists import service
from segue.playlists.models import HistoryEntry, SavedItem, SavedKind

AuthRequest = Request[User, Credential, Any]
Offset = Annotated[int, QueryParameter(ge=0, description="Items to skip.")]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="1 to 500.")]


async def _check_exists(context: SegueContext, kind: SavedKind, ids: Sequence[str]) -> None:
    if kind == "track":
        await service.check_tracks(context, ids)
        return
    lookup = context.catalog.get_albums if kind == "album" else context.catalog.get_artists
    found = {item.id for item in await lookup(ids)}
    unknown = [i for i in dict.fromkeys(ids) if i not in found]
    if unknown:
        shown = ", ".join(repr(i) for i in unknown[:10])
        raise service.unprocessable(
            f"unknown {kind} ids: {shown}; use ids from GET /api/v1/{kind}s"
        )


async def _saved_out(context: SegueContext, items: Sequence[SavedItem]) -> list[SavedOut]:
    def ids(kind: SavedKind) -> list[str]:
        return [i.item_id for i in items if i.kind == kind]

    # One batch read per kind, whatever the page size.
    catalog = context.catalog
    tracks = {t.id: t for t in await tracks_out(context, await catalog.get_tracks(ids("track")))}
    albums = {a.id: AlbumOut.build(a) for a in await catalog.get_albums(ids("album"))}
    artists = {a.id: a for a in await catalog.get_artists(ids("artist"))}
    result = []
    for item in items:
        out = SavedOut(kind=item.kind, id=item.item_id, saved_at=item.saved_at)
        if item.kind == "track":
            out.track = tracks.get(item.item_id)
        elif item.kind == "album":
            out.album = albums.get(item.item_id)
        else:
            out.artist = artists.get(item.item_id)
        result.append(out)
    return result


class LibraryController(Controller):
    path = "/api/v1/library"
    tags = ["library"]

    @get("/", operation_id="listLibrary", summary="Your saved tracks, albums or artists")
    async def list_saved(
        self,
        context: Context,
        request: AuthRequest,
        kind: Annotated[SavedKind, QueryParameter(description="track, album or artist.")] = "track",
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> LibraryPage:
        page = await service.backend(context).list_saved(request.user.id, kind, offset, limit)
        return LibraryPage(
            items=await _saved_out(context, page.items),
            total=page.total,
            offset=offset,
            limit=limit,
        )

    @post(
        "/", operation_id="saveToLibrary", summary="Save tracks, albums or artists", status_code=204
    )
    async def save(
        self, context: Context, request: AuthRequest, data: JSONBody[LibraryChange]
    ) -> None:
        await _check_exists(context, data.kind, data.ids)
        await service.backend(context).save_items(request.user.id, data.kind, data.ids)

    @post(
        "/remove",
        operation_id="removeFromLibrary",
        summary="Remove several saved items",
        status_code=200,
    )
    async def remove_many(
        self, context: Context, request: AuthRequest, data: JSONBody[LibraryChange]
    ) -> dict[str, int]:
        removed = await service.backend(context).remove_items(request.user.id, data.kind, data.ids)
        return {"removed": removed}

    @delete(
        "/{kind:str}/{item_id:str}",
        operation_id="removeLibraryItem",
        summary="Remove one saved item",
        status_code=204,
    )
    async def remove_one(
        self,
        context: Context,
        request: AuthRequest,
        kind: Annotated[SavedKind, PathParameter(description="track, album or artist.")],
        item_id: Annotated[str, PathParameter(description="The saved item's id.")],
    ) -> None:
        await service.backend(context).remove_items(request.user.id, kind, [item_id])


class HistoryController(Controller):
    path = "/api/v1/history"
    tags = ["library"]

    @get("/", operation_id="listHistory", summary="What you listened to, newest first")
    async def list_history(
        self, context: Context, request: AuthRequest, offset: Offset = 0, limit: Limit = 50
    ) -> HistoryPage:
        page = await service.backend(context).list_history(request.user.id, offset, limit)
        tracks = await context.catalog.get_tracks(list({h.track_id for h in page.items}))
        by_id = {t.id: t for t in await tracks_out(context, tracks)}
        return HistoryPage(
            items=[
                HistoryOut(
                    id=h.id,
                    played_at=h.played_at,
                    duration_listened_ms=h.duration_listened_ms,
                    completed=h.completed,
                    context=h.context,
                    track=by_id.get(h.track_id),
                )
                for h in page.items
            ],
            total=page.total,
            offset=offset,
            limit=limit,
        )


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [LibraryController, HistoryController]


@hookimpl
async def playback_events(context: SegueContext, events: Sequence[PlaybackEvent]) -> None:
    """Record a batch of playback reports in the listeners' histories, in one write
    (an event id already recorded is ignored)."""
    playlists = context.playlists
    if playlists is None:
        return
    entries: dict[str, list[HistoryEntry]] = {}
    for event in events:
        entries.setdefault(event.user_id, []).append(
            HistoryEntry(
                id=event.id,
                track_id=event.track_id,
                played_at=event.reported_at,
                duration_listened_ms=event.duration_listened_ms,
                completed=event.completed,
                context=event.context,
            )
        )
    await playlists.add_history_many(entries)
