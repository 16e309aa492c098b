"""Serving renditions over HTTP: quality choice, the cache, live encodes, Range, 429.

Complete renditions (kept or cached) are files with a known size and a
strong ETag (their fingerprint), served by ``segue.http.byte_serving``.
A rendition not encoded yet is encoded on demand and served while it is
written (``segue.http.growing``): the first bytes leave within one ffmpeg
start-up, and closed byte ranges are answered as soon as those bytes exist.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.response import Stream

from segue.api.media import StreamRequest
from segue.errors import InvalidInput
from segue.http.byte_serving import ByteReader, Representation, byte_range_response
from segue.http.growing import growing_response
from segue.models import Track, User
from segue_transcoder.ladder import (
    AUTO,
    QUALITIES,
    LadderStep,
    NoSuchRendition,
    Quality,
    choose,
    quality_for_bandwidth,
)
from segue_transcoder.live import read_file
from segue_transcoder.service import Busy, Transcoder, transcoder_of
from segue_transcoder.store import Found, fingerprint

PRIVATE_CACHE = "private, no-cache"
DEFAULT_QUALITY: Quality = "high"
AUTO_WITHOUT_ESTIMATE: Quality = "normal"
BANDWIDTH_HEADER = "x-bandwidth-kbps"


def problem(request: Request[Any, Any, Any], status: int, detail: str, **headers: str) -> Exception:
    """An RFC 9457 problem to raise, with our own detail kept as written."""
    return ProblemDetailsException(
        status_code=status,
        detail=detail,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
        type_="about:blank",
        title=HTTPStatus(status).phrase,
        instance=request.url.path,
    )


def role_of(user: object) -> str:
    return "admin" if isinstance(user, User) and user.is_admin else "user"


def bandwidth_kbps(request: Request[Any, Any, Any]) -> float | None:
    """The client's bandwidth estimate: ``?bandwidth=`` or ``X-Bandwidth-Kbps`` (kbit/s),
    or the ``Downlink`` client hint (Mbit/s)."""
    raw = request.query_params.get("bandwidth") or request.headers.get(BANDWIDTH_HEADER)
    scale = 1.0
    if not raw and (downlink := request.headers.get("downlink")):
        raw, scale = downlink, 1000.0
    if not raw:
        return None
    try:
        value = float(raw) * scale
    except ValueError:
        raise InvalidInput(
            f"bandwidth {raw!r} is not a number; send kbit/s, e.g. bandwidth=350"
        ) from None
    if value < 0:
        raise InvalidInput(f"bandwidth must be zero or more kbit/s, not {raw!r}")
    return value


def requested_quality(request: Request[Any, Any, Any], quality: str | None) -> Quality:
    """The tier a request asks for (``auto`` resolved from the bandwidth estimate)."""
    wanted = (quality or DEFAULT_QUALITY).strip().lower()
    if wanted == AUTO:
        estimate = bandwidth_kbps(request)
        return AUTO_WITHOUT_ESTIMATE if estimate is None else quality_for_bandwidth(estimate)
    for tier in QUALITIES:
        if wanted == tier:
            return tier
    raise InvalidInput(
        f"quality {quality!r} is not known; use one of: {', '.join(QUALITIES)}, auto"
    )


def step_for(service: Transcoder, fmt: str, quality: Quality, user: object) -> LadderStep:
    cap = service.config.role_caps.get(role_of(user), "very_high")
    try:
        return choose(service.ladder, fmt, quality, cap)
    except NoSuchRendition as exc:
        raise InvalidInput(str(exc)) from None


async def serve_stream(stream: StreamRequest) -> Response[Any]:
    """``register_stream_formats``' ``serve``: the rendition for format and quality."""
    service = transcoder_of(stream.context)
    request = stream.request
    quality = requested_quality(request, stream.quality)
    step = step_for(service, stream.format, quality, request.scope.get("user"))
    offset = time_offset(request, stream.track)
    if offset:
        return await serve_from_offset(request, service, stream.track, step, offset)
    return await serve_step(request, service, stream.track, step, cache_control=PRIVATE_CACHE)


def time_offset(request: Request[Any, Any, Any], track: Track) -> float:
    """``?offset=<seconds>``: where a time seek starts (0 when absent)."""
    raw = request.query_params.get("offset")
    if not raw:
        return 0.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    length = track.duration_ms / 1000
    if not 0 <= seconds < max(length, 0.001):
        raise InvalidInput(
            f"offset {raw!r} is not a time in this track; send seconds from 0 to below {length:g}"
        )
    return seconds


async def serve_from_offset(
    request: Request[Any, Any, Any],
    service: Transcoder,
    track: Track,
    step: LadderStep,
    offset: float,
) -> Response[Any]:
    """A time seek: the rendition encoded from ``offset`` seconds, streamed as it is made.

    For players that seek by time in a long track that is not encoded yet
    (byte seeks there wait for the encoder). Not cached; its bytes differ
    from the rendition's, so it has no ETag and no byte ranges.
    """
    try:
        encode = service.offset_encode(track, step, offset)
    except Busy as exc:
        raise problem(request, 429, str(exc), retry_after=str(exc.retry_after)) from None
    headers = {
        "cache-control": "no-store",
        "accept-ranges": "none",
        "x-segue-rendition": step.name,
        "x-segue-offset": f"{offset:g}",
    }
    body = encode if request.method.upper() != "HEAD" else _nothing(encode)
    return Stream(body, status_code=200, headers=headers, media_type=step.media_type)


async def _nothing(encode: AsyncGenerator[bytes, None]) -> AsyncIterator[bytes]:
    await encode.aclose()  # frees the live slot at once
    nothing: tuple[bytes, ...] = ()
    for chunk in nothing:  # an async generator that yields nothing
        yield chunk


async def serve_step(
    request: Request[Any, Any, Any],
    service: Transcoder,
    track: Track,
    step: LadderStep,
    *,
    cache_control: str,
) -> Response[Any]:
    """One rendition of one track, from disk or from a live encode."""
    failure = service.failure_for(track)
    if failure is not None:
        raise problem(
            request,
            422,
            f"track {track.id!r} cannot be transcoded: {failure.reason}; "
            "format=raw serves the original file",
        )
    headers = {"cache-control": cache_control, "x-segue-rendition": step.name}
    etag = f'"{fingerprint(track, step)}"'
    found = await service.store.find(track, step)
    if found is not None:
        await service.store.touch(found)
        return _complete_response(request, step, etag, found, headers)
    if not service.on_demand:
        raise problem(
            request,
            503,
            f"the {step.name} rendition of track {track.id!r} is not encoded yet and "
            "on-demand transcoding is off; `segue transcode --missing` encodes it",
            retry_after=str(service.config.retry_after_seconds),
        )
    try:
        live = service.live_encode(track, step)
    except Busy as exc:
        raise problem(request, 429, str(exc), retry_after=str(exc.retry_after)) from None

    async def complete() -> tuple[Representation, ByteReader]:
        await live.wait_done()
        done = await service.store.find(track, step)
        if done is None:
            raise problem(request, 503, f"the {step.name} rendition was evicted; ask again")
        return _representation(step, etag, done), _reader(done)

    return await growing_response(
        request.headers,
        request.method,
        live,
        media_type=step.media_type,
        etag=etag,
        complete=complete,
        extra_headers=headers,
    )


def _representation(step: LadderStep, etag: str, found: Found) -> Representation:
    # No Last-Modified: a cached file's mtime is its "last used" time; the ETag is strong.
    return Representation(size=found.size, media_type=step.media_type, etag=etag)


def _reader(found: Found) -> ByteReader:
    def read(start: int, end: int) -> AsyncIterator[bytes]:
        return read_file(found.path, start, end)

    return read


def _complete_response(
    request: Request[Any, Any, Any],
    step: LadderStep,
    etag: str,
    found: Found,
    headers: dict[str, str],
) -> Response[Any]:
    return byte_range_response(
        request.headers,
        request.method,
        _representation(step, etag, found),
        _reader(found),
        extra_headers=headers,
    )
