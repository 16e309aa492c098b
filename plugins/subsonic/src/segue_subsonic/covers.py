"""Cover images for getCoverArt: the folder image or the embedded picture, resized with ffmpeg.

Resizing runs in an ffmpeg subprocess (never on the event loop) and the
result is cached in the data dir, keyed by the source file's identity and
the size, so a client asking for the same thumbnail again reads a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import anyio
from anyio.to_thread import run_sync

from segue.context import SegueContext
from segue.errors import NotFound
from segue.http.media_types import image_media_type
from segue.models import Track

MAX_COVER_BYTES = 16 * 1024 * 1024
MAX_SIZE = 2048
CACHE_DIR = "subsonic-covers"
_SIZES = (32, 64, 128, 256, 300, 500, 600, 800, 1000, 1200, 1500, 2048)
"""Requested sizes are rounded up to one of these, so the cache holds few variants."""


class Cover:
    """Image bytes and their content type."""

    def __init__(self, data: bytes, mime: str) -> None:
        self.data = data
        self.mime = mime


def bucket(size: int) -> int:
    return next((s for s in _SIZES if s >= size), MAX_SIZE)


async def _ffmpeg(args: list[str], stdin: bytes | None = None) -> bytes:
    result = await anyio.run_process(
        ["ffmpeg", "-v", "error", "-nostdin", *args], input=stdin, check=False
    )
    if result.returncode != 0 or not result.stdout:
        raise NotFound("the cover image could not be read")
    return result.stdout


async def original(context: SegueContext, track: Track) -> Cover:
    """The track's cover as stored: the folder image, else the picture in its tags."""
    storage = context.storage
    if track.folder_cover:
        try:
            data = await storage.read_bytes(
                track.root, track.folder_cover, max_size=MAX_COVER_BYTES
            )
        except (FileNotFoundError, ValueError):
            data = b""
        if data:
            return Cover(data, image_media_type(data))
    if track.has_embedded_cover:
        path = await run_sync(storage.resolve, track.root, track.relpath)
        data = await _ffmpeg(
            ["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "image2pipe", "-"]
        )
        return Cover(data, image_media_type(data))
    raise NotFound(f"song {track.id!r} has no cover image")


def _cache_path(context: SegueContext, track: Track, size: int) -> Path:
    key = f"{track.id}\0{track.content_key}\0{track.mtime_ns}\0{track.folder_cover}\0{size}"
    name = hashlib.sha256(key.encode()).hexdigest()[:32]
    return context.data_dir / CACHE_DIR / name[:2] / f"{name}.jpg"


def _read_cached(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _write_cached(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    Path(tmp).replace(path)  # atomic: readers see the old file or the whole new one


async def cover(context: SegueContext, track: Track, size: int | None) -> Cover:
    """The track's cover, scaled down to fit ``size`` pixels (JPEG) when a size is given."""
    if size is None:
        return await original(context, track)
    size = bucket(size)
    path = _cache_path(context, track, size)
    cached = await run_sync(_read_cached, path)
    if cached is not None:
        return Cover(cached, "image/jpeg")
    source = await original(context, track)
    scale = f"scale=w='min({size},iw)':h='min({size},ih)':force_original_aspect_ratio=decrease"
    data = await _ffmpeg(
        [
            "-i",
            "pipe:0",
            "-vf",
            scale,
            "-frames:v",
            "1",
            "-c:v",
            "mjpeg",
            "-q:v",
            "3",
            "-f",
            "image2pipe",
            "pipe:1",
        ],
        stdin=source.data,
    )
    await run_sync(_write_cached, path, data)
    return Cover(data, "image/jpeg")
