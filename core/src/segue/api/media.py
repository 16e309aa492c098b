"""Core plugin: ``GET``/``HEAD /api/v1/tracks/{id}/stream``, the original audio file.

The original file is served through the storage slot with validators,
conditional requests and byte ranges (see ``segue.http.byte_serving``), so
players can seek and browsers can cache. Every other ``format`` is served by
the plugin that declares it with the ``register_stream_formats`` hook (the
transcoder declares ``ogg`` and ``opus``); without one, it is a 400 naming
the formats that exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from litestar import HttpMethod, Request, Response, route
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter, QueryParameter
from litestar.response import Stream
from litestar.types import ControllerRouterHandler, Method

from segue import hookimpl
from segue.context import SegueContext
from segue.errors import InvalidInput, NotFound, OutsideLibrary
from segue.http.byte_serving import Representation, byte_range_response
from segue.http.media_types import audio_media_type
from segue.models import Track

log = structlog.get_logger("segue.api.media")

RAW_FORMAT = "raw"
CACHE_CONTROL = "private, no-cache"
"""Per user, and revalidated each time (a cheap 304 thanks to the ETag)."""


@dataclass(frozen=True, kw_only=True)
class StreamRequest:
    """A stream request handed to a plugin's :class:`StreamFormat`."""

    request: Request[Any, Any, Any]
    """The HTTP request (headers for Range and validators, the user, query parameters)."""
    context: SegueContext
    track: Track
    """The track, known to exist with its file in the library."""
    format: str
    """The requested format, lowercased (one of the plugin's names)."""
    quality: str | None
    """The ``quality`` query parameter as sent (None when absent)."""


@dataclass(frozen=True, kw_only=True)
class StreamFormat:
    """A ``format`` of ``GET /api/v1/tracks/{id}/stream`` served by a plugin."""

    name: str
    """The ``format`` query value (``ogg``, ``opus``...); ``raw`` is the core's."""
    serve: Callable[[StreamRequest], Awaitable[Response[Any]]]
    """Answers the request: a rendition with Range support, or an HTTP error."""
    description: str = ""
    default: bool = False
    """Used when a request names a ``quality`` but no ``format``."""


def _operation_id(_handler: Any, method: Method, _path: Any) -> str:
    return "streamTrack" if method == HttpMethod.GET else "headStreamTrack"


@route(
    "/api/v1/tracks/{track_id:str}/stream",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    operation_id=_operation_id,
    tags=["media"],
    summary="Stream a track's audio (original or transcoded), with byte ranges",
    description=(
        "Serves the original file (`format=raw`) or a rendition from a plugin (the "
        "transcoder: `format=ogg|opus`, `quality=low|normal|high|very_high|auto`, and `offset` "
        "seconds for a time seek; see docs/transcoding.md). Supports `Range: bytes=` (single ranges get 206 with "
        "Content-Range; several are merged and sent as multipart/byteranges; ranges outside "
        "the file get 416 with `Content-Range: bytes */SIZE`), `If-Range`, `If-None-Match` "
        "and `If-Modified-Since` (304). HEAD answers with the headers only."
    ),
    responses={
        206: ResponseSpec(
            data_container=bytes,
            media_type="audio/*",
            description="The requested byte range, or several as multipart/byteranges.",
            generate_examples=False,  # random examples would make the published spec differ per build
        ),
        304: ResponseSpec(data_container=None, description="Not modified since the validator."),
        416: ResponseSpec(data_container=None, description="No requested range is in the file."),
    },
)
async def stream_track(
    request: Request[Any, Any, Any],
    context: NamedDependency[SegueContext],
    track_id: Annotated[str, PathParameter(description="The track's id.")],
    format_: Annotated[
        str | None,
        QueryParameter(
            name="format",
            description=(
                "`raw`: the original file. Other formats (`ogg`, `opus` with the transcoder) "
                "are served by plugins. Absent: `raw`, unless a `quality` is given, then the "
                "transcoder's default format."
            ),
        ),
    ] = None,
    quality: Annotated[
        str | None,
        QueryParameter(
            description="`low`, `normal`, `high`, `very_high` or `auto`; ignored for `raw`."
        ),
    ] = None,
) -> Response[Any]:
    """A track's audio: the original file, or a rendition from a plugin's stream format."""
    formats = stream_formats(context)
    wanted = format_.strip().lower() if format_ else None
    if wanted is None and quality and quality.strip().lower() != RAW_FORMAT:
        wanted = next((f.name for f in formats.values() if f.default), None)
    if wanted is not None and wanted != RAW_FORMAT and wanted not in formats:
        available = ", ".join([RAW_FORMAT, *sorted(formats)])
        hint = "" if formats else " (transcoded formats come with the transcoder plugin)"
        raise InvalidInput(f"format {format_!r} is not available; use one of: {available}{hint}")
    track = await servable_track(context, track_id)
    if wanted is None or wanted == RAW_FORMAT:
        return await serve_original(request, context, track)
    provider = formats[wanted]
    return await provider.serve(
        StreamRequest(request=request, context=context, track=track, format=wanted, quality=quality)
    )


def stream_formats(context: SegueContext) -> dict[str, StreamFormat]:
    """The formats plugins serve (``register_stream_formats``), by name; the first wins."""
    found: dict[str, StreamFormat] = {}
    for _plugin, declared in reversed(context.collect("register_stream_formats")):
        for stream_format in declared:
            if isinstance(stream_format, StreamFormat):
                found.setdefault(stream_format.name.lower(), stream_format)
    return found


async def servable_track(context: SegueContext, track_id: str) -> Track:
    """The track, if it exists and its file is still in the library (else 404)."""
    track = await context.catalog.get_track(track_id)
    if track is None:
        raise NotFound(f"no track with id {track_id!r}")
    if track.missing:
        raise _gone(track)
    return track


def _gone(track: Track) -> NotFound:
    return NotFound(
        f"the file of track {track.id!r} is gone from the library "
        f"({track.relpath!r}); a rescan will update the catalog"
    )


async def serve_original(
    request: Request[Any, Any, Any],
    context: SegueContext,
    track: Track,
    *,
    cache_control: str = CACHE_CONTROL,
) -> Stream:
    """The original file of ``track``, honouring Range and conditional headers."""
    storage = context.storage
    try:
        stat = await storage.stat(track.root, track.relpath)
    except FileNotFoundError:
        raise _gone(track) from None
    except OutsideLibrary as exc:
        log.warning(
            "refused to serve a file outside the library", track_id=track.id, reason=str(exc)
        )
        raise OutsideLibrary(
            f"the file of track {track.id!r} lies outside the library folders and is not served"
        ) from None

    def read(start: int, end: int) -> AsyncIterator[bytes]:
        return storage.read_range(track.root, track.relpath, start, end)

    representation = Representation(
        size=stat.size,
        media_type=audio_media_type(track.relpath, track.codec),
        etag=stat.etag,
        mtime=stat.mtime_ns / 1e9,
    )
    return byte_range_response(
        request.headers,
        request.method,
        representation,
        read,
        extra_headers={"cache-control": cache_control},
    )


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [stream_track]
