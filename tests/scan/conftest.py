"""Fixtures for the scan tests: short real audio files per format, made once with ffmpeg."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from scanhelpers import ENCODERS

from segue_transcoder.ffmpeg import run_ffmpeg


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def audio_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One untagged 1-second file per format (flac, mp3, ogg, opus, m4a, wav), by extension."""
    folder = tmp_path_factory.mktemp("audio-templates")

    async def make() -> dict[str, Path]:
        made: dict[str, Path] = {}
        for i, (ext, encoder) in enumerate(ENCODERS.items()):
            path = folder / f"template.{ext}"
            source = f"sine=frequency={300 + 50 * i}:duration=1:sample_rate=44100"
            await run_ffmpeg(["-f", "lavfi", "-i", source, "-ac", "2", *encoder, path])
            made[ext] = path
        return made

    return anyio.run(make)


@pytest.fixture(scope="session")
def cover_jpeg(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A small real JPEG made by ffmpeg."""
    path = tmp_path_factory.mktemp("cover") / "cover.jpg"
    anyio.run(
        run_ffmpeg,
        ["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=1", "-frames:v", "1", path],
    )
    return path.read_bytes()
