"""Helpers for the transcoder tests: config text, ffprobe, ladder lookups."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

from segue.models import ListQuery, Track
from segue_transcoder.ffmpeg import ffprobe
from segue_transcoder.ladder import DEFAULT_LADDER, LadderStep
from segue_transcoder.service import Transcoder, transcoder_of

LADDER = DEFAULT_LADDER


def transcoder_config(**keys: Any) -> str:
    """``[plugins.transcoder]`` TOML with the given keys."""
    lines = ["[plugins.transcoder]"]
    for key, value in keys.items():
        if isinstance(value, bool):
            rendered = "true" if value else "false"
        elif isinstance(value, str):
            rendered = f'"{value}"'
        elif isinstance(value, list):
            rendered = "[" + ", ".join(f'"{v}"' for v in value) + "]"
        elif isinstance(value, dict):
            rendered = "{ " + ", ".join(f'{k} = "{v}"' for k, v in value.items()) + " }"
        else:
            rendered = str(value)
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


async def demo_tracks(context: Any) -> list[Track]:
    page = await context.catalog.list_tracks(ListQuery(limit=100))
    return list(page.items)


def stream_url(track_id: str) -> str:
    return f"/api/v1/tracks/{track_id}/stream"


async def probe_stream(path: Path) -> dict[str, Any]:
    """The first audio stream and the format section of ffprobe's report."""
    report = await ffprobe(path)
    audio = next(s for s in report["streams"] if s["codec_type"] == "audio")
    return {"stream": audio, "format": report["format"]}


def step_named(name: str) -> LadderStep:
    return next(s for s in LADDER if s.name == name)


def long_overrides(demo_library: Path, long_library: Path) -> dict[str, Any]:
    """Runtime overrides adding the ``long_library`` fixture's folder to the library."""
    return {"library.paths": [str(demo_library), str(long_library)]}


async def scan(context: Any) -> None:
    from segue_catalog_filesystem.scanner import scan_library  # type: ignore[import-untyped]

    await scan_library(context)


async def long_track_of(context: Any) -> Track:
    """Scan (the demo part is unchanged, so quick) and return the 40-second track."""
    await scan(context)
    tracks = [t for t in await demo_tracks(context) if t.relpath == "long.flac"]
    assert tracks, "the long track was not scanned"
    return tracks[0]


async def settle(running: Any, seconds: float = 30.0) -> None:
    """Wait until the app's live encodes finished (cache written, evicted).

    The test client runs the app on its own event loop (a blocking portal):
    wait there, from a thread, not on the test's loop.
    """
    service = transcoder_of(running.context)
    portal = running.client.blocking_portal

    def wait() -> None:
        portal.call(_settled_within, service, seconds)

    await anyio.to_thread.run_sync(wait)


async def _settled_within(service: Transcoder, seconds: float) -> None:
    with anyio.fail_after(seconds):
        await service.settled()


async def wait_until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    """Poll ``check`` until it is true; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    for _ in range(100_000):
        if await check():
            return
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await anyio.sleep(0.05)
