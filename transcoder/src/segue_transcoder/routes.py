"""HTTP routes of the transcoder: signed stream URLs and the admin status."""

from __future__ import annotations

import time
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.params import PathParameter, QueryParameter

from segue.api.deps import Context
from segue.api.media import servable_track
from segue.auth.guards import admin_only
from segue.auth.middleware import PUBLIC_OPT_KEY
from segue.errors import InvalidInput
from segue.models import ListQuery
from segue_transcoder.jobs import GROUP, TOPIC
from segue_transcoder.serve import problem, requested_quality, serve_step, step_for
from segue_transcoder.service import transcoder_of
from segue_transcoder.signing import SignatureRefused
from segue_transcoder.store import fingerprint

SIGNED_PATH = "/api/v1/signed/tracks/{track_id}/stream"
MAX_TTL = 30 * 86400


class SignedStream(msgspec.Struct, kw_only=True):
    """A stream URL that needs no credentials until it expires."""

    url: str
    """Path and query (relative to this server), e.g. for ``<audio src>`` or a CDN."""
    expires_at: int
    """Unix time after which the URL gets 403."""
    format: str
    quality: str
    """The tier actually served (``auto`` and role caps resolved)."""
    rendition: str


class FailedTrack(msgspec.Struct, kw_only=True):
    track_id: str
    reason: str
    failed_at: float


class TranscoderStatus(msgspec.Struct, kw_only=True):
    """What the transcoder holds and does."""

    modes: list[str]
    ladder: list[str]
    tracks: int
    measured: int
    """Tracks with a loudness measurement."""
    queue_lag: int | None
    """Transcode jobs waiting in the events slot (None without one)."""
    live_transcodes: int
    cache_bytes: int
    cache_limit_bytes: int
    failures: list[FailedTrack]


@get(
    "/api/v1/tracks/{track_id:str}/signed-stream",
    operation_id="signTrackStream",
    tags=["media"],
    summary="A signed, expiring stream URL for a rendition (no credentials needed to use it)",
)
async def sign_stream(
    request: Request[Any, Any, Any],
    context: Context,
    track_id: Annotated[str, PathParameter(description="The track's id.")],
    format_: Annotated[
        str, QueryParameter(name="format", description="A ladder format: `ogg` or `opus`.")
    ] = "ogg",
    quality: Annotated[
        str, QueryParameter(description="`low`, `normal`, `high`, `very_high` or `auto`.")
    ] = "high",
    ttl: Annotated[
        int | None, QueryParameter(description="Seconds the URL stays valid (default: config).")
    ] = None,
) -> SignedStream:
    service = transcoder_of(context)
    track = await servable_track(context, track_id)
    step = step_for(
        service, format_.lower(), requested_quality(request, quality), request.scope.get("user")
    )
    seconds = service.config.signed_url_ttl_seconds if ttl is None else ttl
    if not 1 <= seconds <= MAX_TTL:
        raise InvalidInput(f"ttl must be between 1 and {MAX_TTL} seconds, not {ttl}")
    expires = int(time.time()) + seconds
    url = service.signer.sign(
        SIGNED_PATH.format(track_id=track.id),
        fmt=step.format,
        quality=step.quality,
        version=fingerprint(track, step),
        expires=expires,
    )
    return SignedStream(
        url=url, expires_at=expires, format=step.format, quality=step.quality, rendition=step.name
    )


@get(
    SIGNED_PATH.replace("{track_id}", "{track_id:str}"),
    operation_id="streamSignedTrack",
    tags=["media"],
    summary="Stream a rendition through a signed URL (public; cacheable by a CDN)",
    opt={PUBLIC_OPT_KEY: True},
    security=[],
)
async def signed_stream(
    request: Request[Any, Any, Any],
    context: Context,
    track_id: Annotated[str, PathParameter(description="The track's id.")],
    format_: Annotated[str, QueryParameter(name="format", description="Signed format.")] = "",
    quality: Annotated[str, QueryParameter(description="Signed quality tier.")] = "",
    v: Annotated[str, QueryParameter(description="The rendition's fingerprint.")] = "",
    expires: Annotated[int, QueryParameter(description="Unix time of expiry.")] = 0,
    sig: Annotated[str, QueryParameter(description="HMAC-SHA256 signature.")] = "",
) -> Response[Any]:
    service = transcoder_of(context)
    try:
        service.signer.check(
            SIGNED_PATH.format(track_id=track_id),
            fmt=format_,
            quality=quality,
            version=v,
            expires=expires,
            sig=sig,
        )
    except SignatureRefused as exc:
        raise problem(request, 403, str(exc)) from None
    track = await service.track(track_id)
    if track is None or track.missing:
        track = await servable_track(context, track_id)  # says why: unknown, or file gone
    step = next((s for s in service.ladder if s.format == format_ and s.quality == quality), None)
    if step is None or fingerprint(track, step) != v:
        raise problem(
            request,
            410,
            f"the rendition this URL names no longer exists (the file of track {track_id!r} "
            "or the ladder changed); ask for a new signed URL",
        )
    # The URL pins the bytes (v) and the expiry: shared caches may keep it until then.
    max_age = max(0, expires - int(time.time()))
    cache_control = f"public, max-age={max_age}, immutable"
    return await serve_step(request, service, track, step, cache_control=cache_control)


@get(
    "/api/v1/admin/transcoder",
    operation_id="transcoderStatus",
    tags=["admin"],
    guards=[admin_only],
    summary="Transcoder status: queue, cache, loudness measurements, failed tracks",
)
async def transcoder_status(context: Context) -> TranscoderStatus:
    service = transcoder_of(context)
    await service.refresh()
    tracks = await context.catalog.list_tracks(ListQuery(limit=1))
    try:
        lag: int | None = await context.events.lag(TOPIC, GROUP)
    except Exception:  # no events slot, or it is down: the rest is still worth showing
        lag = None
    return TranscoderStatus(
        modes=list(service.config.modes),
        ladder=[s.name for s in service.ladder],
        tracks=tracks.total,
        measured=len(service.index.by_track),
        queue_lag=lag,
        live_transcodes=service.live_running,
        cache_bytes=await service.store.cache_bytes(),
        cache_limit_bytes=service.store.cache_limit_bytes,
        failures=[
            FailedTrack(track_id=f.track_id, reason=f.reason, failed_at=f.failed_at)
            for f in service.failures.values()
        ],
    )


ROUTES = [sign_stream, signed_stream, transcoder_status]
