"""Playback reports: players tell Segue what was listened to.

The synchronous path only validates the report, checks the track exists and
records the raw event durably in the events slot; counting (royalties,
history, play counts) happens in the consumers of the ``playback`` topic and
never delays the response.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.params import HeaderParameter, JSONBody
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.deps import Context
from segue.context import SegueContext
from segue.errors import InvalidInput, NotFound
from segue.events.publish import publish_playback
from segue.models import Credential, PlaybackEvent, User

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
MAX_LISTENED_MS = 24 * 3600 * 1000
"""A day: no single report can cover more listening than that."""
IDEMPOTENCY_KEY_MAX = 200


class PlaybackReport(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What a player reports about one playback of one track."""

    track_id: Id
    duration_listened_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_LISTENED_MS)]
    """Milliseconds actually listened (seeking forward does not count)."""
    completed: bool
    """True when the track played to its end."""
    device_id: Id
    """The player device; a new device with a new session counts again."""
    session_id: Id
    """The listening session on that device."""
    quality: Label | None = None
    """e.g. "lossless", "high", "normal" (informational)."""
    context: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    """Where playback started, e.g. "album:<id>" or "playlist:<id>" (informational)."""


class PlaybackAccepted(msgspec.Struct, kw_only=True):
    event_id: str
    """The recorded event's id; the same ``Idempotency-Key`` always gives the same id."""
    status: str = "accepted"


def event_id_for(user_id: str, idempotency_key: str | None) -> str:
    """The event id of a report: derived from the user and their key, or new when no key.

    Scoping the key by user keeps two users' keys from colliding.
    """
    if idempotency_key is None:
        return uuid.uuid4().hex
    key = idempotency_key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise InvalidInput(
            f"header 'Idempotency-Key' must be 1 to {IDEMPOTENCY_KEY_MAX} printable "
            "characters (e.g. a UUID), not an empty or overlong value"
        )
    digest = hashlib.sha256(f"{user_id}\0{key}".encode()).hexdigest()
    return digest[:32]


class PlaybackController(Controller):
    path = "/api/v1/playback"
    tags = ["playback"]

    @post(
        "/report",
        operation_id="reportPlayback",
        summary="Report a playback (202: recorded, counted later)",
        description=(
            "Records the report durably and returns at once; counting happens "
            "asynchronously. Send an `Idempotency-Key` header (e.g. a UUID per "
            "playback) so that a retried report is recorded once. 404 if the "
            "track does not exist; 400 names the field at fault."
        ),
        status_code=202,
    )
    async def report(
        self,
        context: Context,
        request: Request[User, Credential, Any],
        data: JSONBody[PlaybackReport],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=False,
                description="A unique key per playback; the same key is one event.",
            ),
        ] = None,
    ) -> PlaybackAccepted:
        user = request.user
        event_id = event_id_for(user.id, idempotency_key)
        if await context.catalog.get_track(data.track_id) is None:
            raise NotFound(f"no track with id '{data.track_id}'")
        event = PlaybackEvent(
            id=event_id,
            user_id=user.id,
            track_id=data.track_id,
            duration_listened_ms=data.duration_listened_ms,
            completed=data.completed,
            device_id=data.device_id,
            session_id=data.session_id,
            quality=data.quality,
            context=data.context,
            reported_at=time.time(),
        )
        await publish_playback(context, event)
        return PlaybackAccepted(event_id=event_id)


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [PlaybackController]
