"""HTTP routes: the admin scan API and cover art."""

from __future__ import annotations

import hashlib
import mimetypes
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from segue.api.deps import Context
from segue.auth.guards import admin_only
from segue.context import SegueContext
from segue.errors import NotFound
from segue.http.media_types import image_media_type
from segue.models import ScanProblem, ScanReport, Track
from segue_catalog_filesystem.covers import embedded_picture
from segue_catalog_filesystem.scanner import (
    ScanProgress,
    scan_in_progress,
    start_background_scan,
)

# Folder covers larger than this are not served (a misnamed video, say).
MAX_COVER_BYTES = 16 * 1024 * 1024
COVER_CACHE_CONTROL = "private, max-age=86400"


class ScanStatus(msgspec.Struct, kw_only=True):
    """The state of library scanning."""

    running: bool
    progress: ScanProgress | None = None
    """Counts of the running scan, when one runs."""
    last_report: ScanReport | None = None
    """The latest scan's report (the running one while it runs)."""
    problems: list[ScanProblem] = []
    """Files the latest scan could not read, with the reason."""


class ScanController(Controller):
    """Start a library scan and follow it (administrators only)."""

    path = "/api/v1/admin/scan"
    tags = ["admin"]
    guards = [admin_only]

    @post(
        "/",
        operation_id="adminStartScan",
        summary="Start a library scan in the background",
        description="202 with the new scan's progress; 409 if a scan is already running.",
        status_code=HTTP_202_ACCEPTED,
    )
    async def start_scan(self, context: Context) -> ScanStatus:
        progress = start_background_scan(context)
        return ScanStatus(
            running=True,
            progress=progress,
            last_report=await context.catalog.last_scan_report(),
        )

    @get(
        "/",
        operation_id="adminGetScan",
        summary="Scan progress, the last report and the unreadable files",
    )
    async def get_scan(self, context: Context) -> ScanStatus:
        progress = scan_in_progress(context)
        return ScanStatus(
            running=progress is not None,
            progress=progress,
            last_report=await context.catalog.last_scan_report(),
            problems=await context.catalog.list_problems(),
        )


class CoverController(Controller):
    """Cover images of tracks and albums: the folder image or the one embedded in tags."""

    path = "/api/v1"
    tags = ["covers"]

    @get(
        "/tracks/{track_id:str}/cover",
        operation_id="getTrackCover",
        summary="A track's cover image",
        description="The folder cover next to the file, else the picture embedded in its "
        "tags; 404 when it has neither. Supports If-None-Match.",
    )
    async def track_cover(
        self,
        request: Request[Any, Any, Any],
        context: Context,
        track_id: Annotated[str, PathParameter(description="The track's id.")],
    ) -> Response[bytes]:
        track = await context.catalog.get_track(track_id)
        if track is None:
            raise NotFound(f"no track with id '{track_id}'")
        return await _cover_response(request, context, track)

    @get(
        "/albums/{album_id:str}/cover",
        operation_id="getAlbumCover",
        summary="An album's cover image",
        description="The cover of the album's cover track (see the album's cover_track_id); "
        "404 when the album has none. Supports If-None-Match.",
    )
    async def album_cover(
        self,
        request: Request[Any, Any, Any],
        context: Context,
        album_id: Annotated[str, PathParameter(description="The album's id.")],
    ) -> Response[bytes]:
        album = await context.catalog.get_album(album_id)
        if album is None:
            raise NotFound(f"no album with id '{album_id}'")
        track = await context.catalog.get_track(album.cover_track_id or "")
        if track is None:
            raise NotFound(f"album '{album_id}' has no cover")
        return await _cover_response(request, context, track)


async def _cover_response(
    request: Request[Any, Any, Any], context: SegueContext, track: Track
) -> Response[bytes]:
    storage = context.storage
    data: bytes | None = None
    mime = "application/octet-stream"
    etag = ""
    if track.folder_cover:
        try:
            stat = await storage.stat(track.root, track.folder_cover)
            data = await storage.read_bytes(
                track.root, track.folder_cover, max_size=MAX_COVER_BYTES
            )
        except (FileNotFoundError, ValueError):
            data = None  # gone since the scan, or too big: try the embedded one
        else:
            guessed = mimetypes.guess_type(track.folder_cover)[0]
            mime = image_media_type(data, guessed)
            etag = f'"f-{stat.size:x}-{stat.mtime_ns:x}"'
    if data is None and track.has_embedded_cover:
        try:
            path = await anyio.to_thread.run_sync(storage.resolve, track.root, track.relpath)
        except FileNotFoundError:
            path = None
        picture = await anyio.to_thread.run_sync(embedded_picture, path) if path else None
        if picture is not None:
            data, mime = picture.data, picture.mime
            digest = hashlib.blake2b(data, digest_size=8).hexdigest()
            etag = f'"e-{track.content_key[:16]}-{digest}"'
    if data is None:
        raise NotFound(f"track '{track.id}' has no cover image")
    headers = {"ETag": etag, "Cache-Control": COVER_CACHE_CONTROL}
    if etag in _if_none_match(request):
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=data, media_type=mime, headers=headers)


def _if_none_match(request: Request[Any, Any, Any]) -> set[str]:
    header = request.headers.get("if-none-match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
