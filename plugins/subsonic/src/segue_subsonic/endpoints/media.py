"""Media: stream (mapped onto the transcoder's ladder), download, cover art, lyrics."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlencode

import anyio
from anyio.to_thread import run_sync
from litestar import Request, Response
from litestar.utils.scope.state import CONNECTION_STATE_KEY

from segue.api.media import (
    RAW_FORMAT,
    StreamRequest,
    servable_track,
    serve_original,
    stream_formats,
)
from segue.models import Track
from segue_subsonic import covers
from segue_subsonic.call import Call, endpoint
from segue_subsonic.envelope import Payload, bad_value, not_found

QUALITY_BITRATES: tuple[tuple[str, int], ...] = (
    ("low", 48),
    ("normal", 96),
    ("high", 160),
    ("very_high", 320),
)
"""Fallback tiers (kbit/s) when the transcoder's own ladder cannot be read."""
MAX_LYRICS_BYTES = 1024 * 1024
_LRC_LINE = re.compile(r"^\[(\d+):(\d{1,2}(?:[.:]\d{1,3})?)\](.*)$")


def _ladder(call: Call, fmt: str) -> list[tuple[str, int]]:
    """(quality, kbit/s) of ``fmt``'s renditions, lowest first."""
    try:
        from segue_transcoder.service import transcoder_of

        steps = [
            (s.quality, s.bitrate_kbps)
            for s in transcoder_of(call.context).ladder
            if s.format == fmt
        ]
    except (ImportError, RuntimeError):
        steps = []
    return sorted(steps or QUALITY_BITRATES, key=lambda s: s[1])


def quality_for(call: Call, fmt: str, max_kbps: int) -> str | None:
    """The best rendition of ``fmt`` within ``max_kbps`` (the lowest if none fits); None: no cap."""
    if max_kbps <= 0:
        return None
    steps = _ladder(call, fmt)
    fitting = [q for q, kbps in steps if kbps <= max_kbps]
    return fitting[-1] if fitting else steps[0][0]


def _with_query(request: Request[Any, Any, Any], **params: str) -> Request[Any, Any, Any]:
    """The same request with the query the stream format reads (e.g. ``offset``)."""
    # Litestar caches the parsed query in the scope's state: the copy must not inherit it.
    state = {k: v for k, v in request.scope.get("state", {}).items() if k != CONNECTION_STATE_KEY}
    scope: Any = {**request.scope, "query_string": urlencode(params).encode(), "state": state}
    return Request(scope, receive=request.receive, send=request.send)


@endpoint("stream")
async def stream(call: Call) -> Response[Any]:
    params = call.params
    track = await servable_track(call.context, params.require("id"))
    max_kbps = params.integer("maxBitRate", 0, low=0) or 0
    offset = params.integer("timeOffset", 0, low=0) or 0
    wanted = (params.get("format") or "").strip().lower()
    formats = stream_formats(call.context)
    default = next((f.name for f in formats.values() if f.default), next(iter(formats), None))
    source_kbps = (track.bitrate or 0) / 1000
    if wanted == RAW_FORMAT or default is None:
        chosen = None
    elif wanted in formats:
        chosen = wanted
    elif wanted:
        chosen = default  # mp3, aac...: the nearest Segue serves is its default rendition
    elif offset or (max_kbps and (not source_kbps or source_kbps > max_kbps)):
        chosen = default
    else:
        chosen = None
    if chosen is None:
        return await serve_original(call.request, call.context, track)
    if offset and offset * 1000 >= track.duration_ms:
        raise bad_value(
            "timeOffset", str(offset), f"seconds below the song's {track.duration_ms // 1000}"
        )
    query = {"offset": str(offset)} if offset else {}
    request = _with_query(call.request, **query)
    return await formats[chosen].serve(
        StreamRequest(
            request=request,
            context=call.context,
            track=track,
            format=chosen,
            quality=quality_for(call, chosen, max_kbps),
        )
    )


@endpoint("download")
async def download(call: Call) -> Response[Any]:
    track = await servable_track(call.context, call.params.require("id"))
    response = await serve_original(call.request, call.context, track)
    name = PurePosixPath(track.relpath).name.replace('"', "")
    response.headers["content-disposition"] = f'attachment; filename="{name}"'
    return response


async def _cover_track(call: Call, item_id: str) -> Track:
    catalog = call.context.catalog
    cover_id: str | None = None
    if item_id.startswith("al"):
        found = await catalog.get_album(item_id)
        cover_id = found.cover_track_id if found else None
    elif item_id.startswith("ar"):
        from segue.models import ListQuery

        albums = await catalog.list_albums(ListQuery(artist_id=item_id, limit=50, sort="year"))
        cover_id = next((a.cover_track_id for a in albums.items if a.cover_track_id), None)
    else:
        track = await catalog.get_track(item_id)
        if track is not None and (track.has_embedded_cover or track.folder_cover):
            return track
        if track is not None and track.album_id:
            found = await catalog.get_album(track.album_id)
            cover_id = found.cover_track_id if found else None
    track = await catalog.get_track(cover_id) if cover_id else None
    if track is None:
        raise not_found(f"no cover art with id {item_id!r}")
    return track


@endpoint("getCoverArt")
async def get_cover_art(call: Call) -> Response[bytes]:
    item_id = call.params.require("id")
    size = call.params.integer("size", None, low=1, high=covers.MAX_SIZE)
    track = await _cover_track(call, item_id)
    image = await covers.cover(call.context, track, size)
    return Response(
        content=image.data,
        media_type=image.mime,
        headers={"cache-control": "private, max-age=86400"},
    )


# --- lyrics --------------------------------------------------------------------------
async def _sidecar(call: Call, track: Track) -> str | None:
    stem = PurePosixPath(track.relpath).with_suffix("")
    for suffix in (".lrc", ".txt"):
        try:
            data = await call.context.storage.read_bytes(
                track.root, f"{stem}{suffix}", max_size=MAX_LYRICS_BYTES
            )
        except (FileNotFoundError, ValueError, OSError):
            continue
        return data.decode("utf-8", errors="replace")
    return None


async def _embedded(call: Call, track: Track) -> str | None:
    try:
        path = await run_sync(call.context.storage.resolve, track.root, track.relpath)
    except FileNotFoundError:
        return None
    result = await anyio.run_process(
        [
            "ffprobe",
            "-v",
            "error",
            "-of",
            "json",
            "-show_entries",
            "format_tags:stream_tags",
            str(path),
        ],
        check=False,
    )
    if result.returncode != 0:
        return None
    found = json.loads(result.stdout or b"{}")
    tags: dict[str, str] = dict(found.get("format", {}).get("tags", {}))
    for stream_info in found.get("streams", []):
        tags.update(stream_info.get("tags", {}))
    for key, value in tags.items():
        if (
            key.lower().startswith(("lyrics", "unsyncedlyrics", "unsynced lyrics"))
            and value.strip()
        ):
            return value
    return None


def structured(text: str, track: Track) -> Payload:
    """Lyrics text (LRC or plain) as an OpenSubsonic ``structuredLyrics``."""
    lines: list[Payload] = []
    synced = False
    for raw in text.splitlines():
        match = _LRC_LINE.match(raw.strip())
        if match:
            synced = True
            minutes, seconds, words = match.groups()
            start = int(minutes) * 60_000 + round(float(seconds.replace(":", ".")) * 1000)
            lines.append({"start": start, "value": words.strip()})
        elif raw.strip() and not raw.strip().startswith("["):
            lines.append({"value": raw.strip()})
    if synced:
        lines = [line for line in lines if "start" in line]
    return {
        "displayArtist": track.artist_name,
        "displayTitle": track.title,
        "lang": "xxx",
        "synced": synced,
        "offset": 0,
        "line": lines,
    }


@endpoint("getLyricsBySongId")
async def get_lyrics_by_song_id(call: Call) -> Payload:
    track_id = call.params.require("id")
    track = await call.context.catalog.get_track(track_id)
    if track is None or track.missing:
        raise not_found(f"no song with id {track_id!r}")
    text = await _sidecar(call, track) or await _embedded(call, track)
    found = [structured(text, track)] if text else []
    return {"lyricsList": {"structuredLyrics": found}}
