"""Core plugin: ``GET``/``HEAD /api/v1/tracks/{id}/stream``, the original audio file.

Served through the storage slot with validators, conditional requests and
byte ranges (see ``segue.http.byte_serving``), so players can seek and
browsers can cache. Transcoded formats arrive with the transcoder; until
then ``format`` accepts only ``raw``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

import structlog
from litestar import HttpMethod, Request, route
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

log = structlog.get_logger("segue.api.media")

RAW_FORMAT = "raw"
CACHE_CONTROL = "private, no-cache"
"""Per user, and revalidated each time (a cheap 304 thanks to the ETag)."""


def _operation_id(_handler: Any, method: Method, _path: Any) -> str:
    return "streamTrack" if method == HttpMethod.GET else "headStreamTrack"


@route(
    "/api/v1/tracks/{track_id:str}/stream",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    operation_id=_operation_id,
    tags=["media"],
    summary="Stream a track's audio (the original file), with byte ranges",
    description=(
        "Serves the original file. Supports `Range: bytes=` (single ranges get 206 with "
        "Content-Range; several are merged and sent as multipart/byteranges; ranges outside "
        "the file get 416 with `Content-Range: bytes */SIZE`), `If-Range`, `If-None-Match` "
        "and `If-Modified-Since` (304). HEAD answers with the headers only."
    ),
    responses={
        206: ResponseSpec(
            data_container=bytes,
            media_type="audio/*",
            description="The requested byte range, or several as multipart/byteranges.",
        ),
        304: ResponseSpec(data_container=None, description="Not modified since the validator."),
        416: ResponseSpec(data_container=None, description="No requested range is in the file."),
    },
    media_type="audio/*",
)
async def stream_track(
    request: Request[Any, Any, Any],
    context: NamedDependency[SegueContext],
    track_id: Annotated[str, PathParameter(description="The track's id.")],
    format_: Annotated[
        str | None,
        QueryParameter(
            name="format",
            description="`raw` (or absent): the original file. Transcoded formats come later.",
        ),
    ] = None,
    quality: Annotated[
        str | None, QueryParameter(description="Transcoding quality; ignored for `raw`.")
    ] = None,
) -> Stream:
    """The original file of ``track_id``, honouring Range and conditional headers."""
    del quality  # accepted for forward compatibility; the original has one quality
    if format_ and format_.lower() != RAW_FORMAT:
        raise InvalidInput(
            f"format {format_!r} is not available: transcoded formats come with the "
            f"transcoder; use format={RAW_FORMAT} (or leave format out) for the original file"
        )
    track = await context.catalog.get_track(track_id)
    if track is None:
        raise NotFound(f"no track with id {track_id!r}")
    gone = NotFound(
        f"the file of track {track_id!r} is gone from the library "
        f"({track.relpath!r}); a rescan will update the catalog"
    )
    if track.missing:
        raise gone
    storage = context.storage
    try:
        stat = await storage.stat(track.root, track.relpath)
    except FileNotFoundError:
        raise gone from None
    except OutsideLibrary as exc:
        log.warning(
            "refused to serve a file outside the library", track_id=track_id, reason=str(exc)
        )
        raise OutsideLibrary(
            f"the file of track {track_id!r} lies outside the library folders and is not served"
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
        extra_headers={"cache-control": CACHE_CONTROL},
    )


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [stream_track]
