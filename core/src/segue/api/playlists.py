"""Playlists over HTTP: create, read, edit by entry id, follow, collaborators, live diffs.

Every edit answers with the new version and the diff it made; the same diff
goes to everyone following the playlist over ``GET /api/v1/ws`` as
``{"type": "playlist.diff", ...}`` (see docs/playlists.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.catalog import tracks_out
from segue.api.deps import Context
from segue.api.playlist_schemas import (
    EditRequest,
    EntryOut,
    EntryPage,
    InsertTracks,
    MoveEntry,
    NewPlaylist,
    PlaylistOut,
    PlaylistPatch,
)
from segue.context import SegueContext
from segue.errors import NotFound
from segue.models import Credential, User
from segue.playlists import service
from segue.playlists.models import (
    EditOp,
    EditResult,
    InsertOp,
    MetadataUpdate,
    MoveOp,
    Playlist,
    RemoveOp,
)

AuthRequest = Request[User, Credential, Any]
PlaylistId = Annotated[str, PathParameter(description="The playlist's id.")]
EntryId = Annotated[str, PathParameter(description="An entry id of the playlist.")]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=200,
        description="Any unique string: a retried request with the same key is applied once.",
    ),
]
COVERS = 4
COVER_SCAN = 40
"""Entries looked at to find the playlist's covers."""


async def playlist_out(context: SegueContext, playlist: Playlist, user: User) -> PlaylistOut:
    backend = service.backend(context)
    first = await backend.list_entries(playlist.id, 0, COVER_SCAN)
    tracks = await context.catalog.get_tracks(list(dict.fromkeys(e.track_id for e in first.items)))
    covers = [t.cover_url for t in await tracks_out(context, tracks) if t.cover_url]
    following = user.id in await backend.list_followers(playlist.id) if playlist.public else False
    return PlaylistOut(
        **{f: getattr(playlist, f) for f in Playlist.__struct_fields__},
        cover_urls=list(dict.fromkeys(covers))[:COVERS],
        can_edit=service.may_edit_entries(playlist, user),
        following=following,
    )


async def _edit(
    context: SegueContext,
    user: User,
    playlist_id: str,
    ops: Sequence[EditOp],
    base_version: int | None,
    idempotency_key: str | None,
) -> EditResult:
    playlist = await service.editable(context, playlist_id, user)
    inserted = [t for op in ops if isinstance(op, InsertOp) for t in op.track_ids]
    if inserted:
        await service.check_tracks(context, inserted)
    with service.http_errors():
        result = await service.backend(context).edit_entries(
            playlist_id,
            user.id,
            ops,
            base_version=base_version,
            idempotency_key=idempotency_key,
        )
    if result.version > playlist.version:  # not a replayed idempotent request
        message = {"type": service.DIFF, "by": user.id, **_fields(result)}
        await service.publish(context, playlist, message)
    return result


def _fields(result: EditResult) -> dict[str, Any]:
    return {f: getattr(result, f) for f in result.__struct_fields__}


class PlaylistController(Controller):
    path = "/api/v1/playlists"
    tags = ["playlists"]

    @post("/", operation_id="createPlaylist", summary="Create a playlist", status_code=201)
    async def create(
        self, context: Context, request: AuthRequest, data: JSONBody[NewPlaylist]
    ) -> PlaylistOut:
        service.check_name(data.name)
        if data.track_ids:
            await service.check_tracks(context, data.track_ids)
        backend = service.backend(context)
        playlist = await backend.create_playlist(
            request.user.id,
            data.name,
            description=data.description,
            public=data.public,
            collaborative=data.collaborative,
        )
        if data.track_ids:
            with service.http_errors():
                await backend.edit_entries(
                    playlist.id, request.user.id, [InsertOp(track_ids=data.track_ids)]
                )
            playlist = await service.readable(context, playlist.id, request.user)
        return await playlist_out(context, playlist, request.user)

    @get("/", operation_id="listPlaylists", summary="Playlists you own, edit or follow")
    async def list_mine(self, context: Context, request: AuthRequest) -> list[PlaylistOut]:
        playlists = await service.backend(context).list_playlists(request.user.id)
        return [await playlist_out(context, p, request.user) for p in playlists]

    @get("/{playlist_id:str}", operation_id="getPlaylist", summary="One playlist")
    async def get_one(
        self, context: Context, request: AuthRequest, playlist_id: PlaylistId
    ) -> PlaylistOut:
        playlist = await service.readable(context, playlist_id, request.user)
        return await playlist_out(context, playlist, request.user)

    @patch(
        "/{playlist_id:str}",
        operation_id="updatePlaylist",
        summary="Rename, describe, make public/private or collaborative (owner only)",
    )
    async def update(
        self,
        context: Context,
        request: AuthRequest,
        playlist_id: PlaylistId,
        data: JSONBody[PlaylistPatch],
    ) -> PlaylistOut:
        await service.owned(context, playlist_id, request.user)
        if data.name is not None:
            service.check_name(data.name)
        update = MetadataUpdate(
            name=data.name,
            description=data.description,
            public=data.public,
            collaborative=data.collaborative,
        )
        with service.http_errors():
            playlist = await service.backend(context).update_playlist(
                playlist_id, update, base_version=data.base_version
            )
        out = await playlist_out(context, playlist, request.user)
        await service.publish(context, playlist, {"type": service.UPDATED, "playlist": out})
        return out

    @delete(
        "/{playlist_id:str}",
        operation_id="deletePlaylist",
        summary="Delete a playlist (owner only)",
        status_code=204,
    )
    async def delete_one(
        self, context: Context, request: AuthRequest, playlist_id: PlaylistId
    ) -> None:
        playlist = await service.owned(context, playlist_id, request.user)
        told = await service.recipients(context, playlist)
        await service.backend(context).delete_playlist(playlist_id)
        await service.publish(
            context, playlist, {"type": service.DELETED, "playlist_id": playlist_id}, told
        )

    # --- entries ----------------------------------------------------------------
    @get(
        "/{playlist_id:str}/tracks",
        operation_id="listPlaylistTracks",
        summary="A page of the playlist's entries, in order",
    )
    async def list_tracks(
        self,
        context: Context,
        request: AuthRequest,
        playlist_id: PlaylistId,
        offset: Annotated[int, QueryParameter(ge=0, description="Entries to skip.")] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=500, description="1 to 500.")] = 100,
    ) -> EntryPage:
        playlist = await service.readable(context, playlist_id, request.user)
        page = await service.backend(context).list_entries(playlist_id, offset, limit)
        tracks = await context.catalog.get_tracks(list({e.track_id for e in page.items}))
        by_id = {t.id: t for t in await tracks_out(context, tracks)}
        return EntryPage(
            items=[
                EntryOut(
                    id=e.id, added_by=e.added_by, added_at=e.added_at, track=by_id.get(e.track_id)
                )
                for e in page.items
            ],
            total=page.total,
            offset=offset,
            limit=limit,
            version=playlist.version,
        )

    @post(
        "/{playlist_id:str}/tracks",
        operation_id="addPlaylistTracks",
        summary="Insert tracks after an entry, or at the start or end",
        status_code=200,
    )
    async def add_tracks(
        self,
        context: Context,
        request: AuthRequest,
        playlist_id: PlaylistId,
        data: JSONBody[InsertTracks],
        idempotency_key: IdempotencyKey = None,
    ) -> EditResult:
        op = InsertOp(track_ids=data.track_ids, after=data.after, at=data.at)
        return await _edit(
            context, request.user, playlist_id, [op], data.base_version, idempotency_key
        )

    @delete(
        "/{playlist_id:str}/tracks/{entry_id:str}",
        operation_id="removePlaylistEntry",
        summary="Remove one entry",
        status_code=200,
    )
    async def remove_entry(
        self,
        context: Context,
        request: AuthRequest,
        playlist_id: PlaylistId,
        entry_id: EntryId,
        base_version: Annotated[int | None, QueryParameter(ge=0)] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> EditResult:
        op = RemoveOp(entry_ids=[entry_id])
        return await _edit(context, request.user, playlist_id, [op], base_version, idempotency_key)

    @post(
        "/{playlist_id:str}/tracks/{entry_id:str}/move",
        operation_id="movePlaylistEntry",
        summary="Move one entry after another (or to the start)",
        status_code=200,
    )
    async def move_entry(
        self,
        context: Context,
        request: AuthRequest,
        playlist_id: PlaylistId,
        entry_id: EntryId,
        data: JSONBody[MoveEntry],
        idempotency_key: IdempotencyKey = None,
    ) -> EditResult:
        op = MoveOp(entry_id=entry_id, after=data.after)
        return await _edit(
            context, request.user, playlist_id, [op], data.base_version, idempotency_key
        )

    @post(
        "/{playlist_id:str}/edits",
        operation_id="editPlaylist",
        summary="Apply several insert/remove/move operations as one version",
        status_code=200,
    )
    async def edit(
        self,
        context: Context,
        request: AuthRequest,
        playlist_id: PlaylistId,
        data: JSONBody[EditRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> EditResult:
        return await _edit(
            context, request.user, playlist_id, data.ops, data.base_version, idempotency_key
        )

    # --- followers and collaborators ------------------------------------------------
    @put(
        "/{playlist_id:str}/followers/me",
        operation_id="followPlaylist",
        summary="Follow a public playlist",
    )
    async def follow(
        self, context: Context, request: AuthRequest, playlist_id: PlaylistId
    ) -> PlaylistOut:
        playlist = await service.readable(context, playlist_id, request.user)
        if not playlist.public:
            raise service.unprocessable("only public playlists can be followed")
        playlist = await service.backend(context).set_following(
            playlist_id, request.user.id, follow=True
        )
        return await playlist_out(context, playlist, request.user)

    @delete(
        "/{playlist_id:str}/followers/me",
        operation_id="unfollowPlaylist",
        summary="Stop following a playlist",
        status_code=200,
    )
    async def unfollow(
        self, context: Context, request: AuthRequest, playlist_id: PlaylistId
    ) -> PlaylistOut:
        backend = service.backend(context)
        if await backend.get_playlist(playlist_id) is None:
            raise NotFound(f"no playlist with id {playlist_id!r}")
        playlist = await backend.set_following(playlist_id, request.user.id, follow=False)
        return await playlist_out(context, playlist, request.user)

    @put(
        "/{playlist_id:str}/collaborators/{user_id:str}",
        operation_id="addPlaylistCollaborator",
        summary="Let a user edit a collaborative playlist (owner only)",
    )
    async def add_collaborator(
        self,
        context: Context,
        request: AuthRequest,
        playlist_id: PlaylistId,
        user_id: Annotated[str, PathParameter(description="The collaborator's user id.")],
    ) -> PlaylistOut:
        await service.owned(context, playlist_id, request.user)
        if await context.catalog.get_user(user_id) is None:
            raise service.unprocessable(f"no user with id {user_id!r}")
        if user_id == request.user.id:
            raise service.unprocessable("the owner can always edit: add someone else")
        playlist = await service.backend(context).set_collaborator(playlist_id, user_id, add=True)
        await service.publish(
            context, playlist, {"type": service.UPDATED, "playlist": {"id": playlist.id}}
        )
        return await playlist_out(context, playlist, request.user)

    @delete(
        "/{playlist_id:str}/collaborators/{user_id:str}",
        operation_id="removePlaylistCollaborator",
        summary="Remove a collaborator (owner only)",
        status_code=200,
    )
    async def remove_collaborator(
        self,
        context: Context,
        request: AuthRequest,
        playlist_id: PlaylistId,
        user_id: Annotated[str, PathParameter(description="The collaborator's user id.")],
    ) -> PlaylistOut:
        await service.owned(context, playlist_id, request.user)
        playlist = await service.backend(context).set_collaborator(playlist_id, user_id, add=False)
        return await playlist_out(context, playlist, request.user)


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [PlaylistController]
