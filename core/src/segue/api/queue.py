"""The server-side play queue of each user, shared by all their devices.

Every change is pushed to the user's other devices over ``GET /api/v1/ws``
as ``{"type": "queue.changed", "queue": ...}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.catalog import tracks_out
from segue.api.deps import Context
from segue.api.playlist_schemas import QueueAdd, QueueOut, QueuePatch, QueueReplace
from segue.context import SegueContext
from segue.models import Credential, User
from segue.playlists import queue as queues
from segue.playlists import service
from segue.playlists.models import MAX_ENTRIES, PlayQueue
from segue.social.live import publish_to_users

AuthRequest = Request[User, Credential, Any]
UPCOMING = 50
QUEUE_CHANGED = "queue.changed"


async def _artists(context: SegueContext, track_ids: Sequence[str]) -> dict[str, str]:
    tracks = await context.catalog.get_tracks(list(dict.fromkeys(track_ids)))
    return {t.id: t.artist_id for t in tracks}


async def queue_out(context: SegueContext, queue: PlayQueue) -> QueueOut:
    window = queue.track_ids[queue.position : queue.position + 1 + UPCOMING]
    tracks = {t.id: t for t in await tracks_out(context, await context.catalog.get_tracks(window))}
    current = tracks.get(window[0]) if window else None
    return QueueOut(
        track_ids=queue.track_ids,
        position=queue.position,
        position_ms=queue.position_ms,
        current=current,
        upcoming=[tracks[t] for t in window[1:] if t in tracks],
        shuffle=queue.shuffle,
        repeat=queue.repeat,
        context=queue.context,
        version=queue.version,
        updated_at=queue.updated_at,
    )


async def _store(
    context: SegueContext, user: User, queue: PlayQueue, base_version: int | None
) -> QueueOut:
    with service.http_errors():
        stored = await service.backend(context).put_queue(user.id, queue, base_version=base_version)
    out = await queue_out(context, stored)
    try:
        await publish_to_users(
            context, [user.id], {"type": QUEUE_CHANGED, "queue": msgspec.to_builtins(out)}
        )
    except Exception as exc:  # the queue is stored; a push failure must not fail the request
        service.log.warning("queue change not pushed", error=repr(exc))
    return out


def _check_size(count: int) -> None:
    if count > MAX_ENTRIES:
        raise service.unprocessable(f"a queue holds at most {MAX_ENTRIES} tracks; got {count}")


def _check_position(position: int, count: int) -> None:
    if count and position >= count:
        raise service.unprocessable(
            f"position {position} is past the end of the queue (0 to {count - 1})"
        )


class QueueController(Controller):
    path = "/api/v1/queue"
    tags = ["queue"]

    @get("/", operation_id="getQueue", summary="Your play queue")
    async def get_queue(self, context: Context, request: AuthRequest) -> QueueOut:
        return await queue_out(context, await service.backend(context).get_queue(request.user.id))

    @put("/", operation_id="replaceQueue", summary="Replace the queue (e.g. play an album)")
    async def replace(
        self, context: Context, request: AuthRequest, data: JSONBody[QueueReplace]
    ) -> QueueOut:
        _check_size(len(data.track_ids))
        _check_position(data.position, len(data.track_ids))
        await service.check_tracks(context, data.track_ids)
        queue = PlayQueue(
            track_ids=list(data.track_ids),
            position=data.position if data.track_ids else 0,
            position_ms=data.position_ms,
            repeat=data.repeat,
            context=data.context,
        )
        if data.shuffle:
            queue = queues.set_shuffle(queue, True, await _artists(context, data.track_ids))
        return await _store(context, request.user, queue, data.base_version)

    @patch("/", operation_id="updateQueue", summary="Seek, skip to a position, shuffle, repeat")
    async def update(
        self, context: Context, request: AuthRequest, data: JSONBody[QueuePatch]
    ) -> QueueOut:
        queue = await service.backend(context).get_queue(request.user.id)
        if data.position is not None:
            _check_position(data.position, len(queue.track_ids))
            queue = msgspec.structs.replace(queue, position=data.position, position_ms=0)
        if data.position_ms is not None:
            queue = msgspec.structs.replace(queue, position_ms=data.position_ms)
        if data.repeat is not None:
            queue = msgspec.structs.replace(queue, repeat=data.repeat)
        if data.shuffle is not None:
            artists = await _artists(context, queue.track_ids) if data.shuffle else {}
            queue = queues.set_shuffle(queue, data.shuffle, artists)
        base = data.base_version if data.base_version is not None else queue.version
        return await _store(context, request.user, queue, base)

    @post("/tracks", operation_id="addToQueue", summary="Add tracks (next, or at the end)")
    async def add(
        self, context: Context, request: AuthRequest, data: JSONBody[QueueAdd]
    ) -> QueueOut:
        await service.check_tracks(context, data.track_ids)
        queue = await service.backend(context).get_queue(request.user.id)
        _check_size(len(queue.track_ids) + len(data.track_ids))
        queue = queues.add_tracks(queue, data.track_ids, play_next=data.next)
        base = data.base_version if data.base_version is not None else queue.version
        return await _store(context, request.user, queue, base)

    @post("/next", operation_id="queueNext", summary="Skip to the next track", status_code=200)
    async def next_track(self, context: Context, request: AuthRequest) -> QueueOut:
        queue = await service.backend(context).get_queue(request.user.id)
        return await _store(context, request.user, queues.step(queue, 1), queue.version)

    @post(
        "/previous",
        operation_id="queuePrevious",
        summary="Back to the previous track",
        status_code=200,
    )
    async def previous_track(self, context: Context, request: AuthRequest) -> QueueOut:
        queue = await service.backend(context).get_queue(request.user.id)
        return await _store(context, request.user, queues.step(queue, -1), queue.version)


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [QueueController]
