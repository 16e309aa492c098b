"""Locating and running ffmpeg and ffprobe without blocking the event loop."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import anyio


class FFmpegError(RuntimeError):
    """ffmpeg or ffprobe is missing, or exited with an error (the message says which)."""


@cache
def find_tool(name: str) -> str:
    """The absolute path of ``ffmpeg`` or ``ffprobe`` on PATH.

    Raises FFmpegError naming the Debian package that provides it when missing.
    """
    path = shutil.which(name)
    if path is None:
        raise FFmpegError(
            f"'{name}' was not found on PATH; install it "
            "(Debian/Ubuntu: `apt-get install ffmpeg`, macOS: `brew install ffmpeg`)"
        )
    return path


async def run_ffmpeg(args: Sequence[str | os.PathLike[str]]) -> bytes:
    """Run ``ffmpeg -hide_banner -nostdin -loglevel error <args>``; return its stdout.

    Raises FFmpegError with ffmpeg's own error lines when it exits non-zero.
    Wrap in ``anyio.fail_after(seconds)`` to bound the time it may take.
    """
    command = [find_tool("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error"]
    command += [os.fspath(a) for a in args]
    return await _run(command)


async def ffprobe(path: str | os.PathLike[str]) -> dict[str, Any]:
    """ffprobe's JSON description (``format`` and ``streams``) of one media file."""
    command = [
        find_tool("ffprobe"),
        "-hide_banner",
        "-loglevel",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        os.fspath(Path(path)),
    ]
    output = await _run(command)
    try:
        result: dict[str, Any] = json.loads(output)
    except ValueError as exc:
        raise FFmpegError(f"ffprobe printed something that is not JSON for {path}: {exc}") from exc
    return result


async def _run(command: list[str]) -> bytes:
    # Callers bound the time with anyio.fail_after; cancelling kills the process.
    result = await anyio.run_process(command, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or "no error output"
        raise FFmpegError(
            f"{Path(command[0]).name} exited with code {result.returncode}: {message}"
        )
    return result.stdout
