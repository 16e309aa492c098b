"""The ffmpeg layer: running ffmpeg, reading ffprobe's JSON, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from segue_transcoder import ffmpeg
from segue_transcoder.ffmpeg import FFmpegError, ffprobe, find_tool, run_ffmpeg

pytestmark = pytest.mark.anyio


async def test_run_ffmpeg_writes_audio_that_ffprobe_describes(tmp_path: Path) -> None:
    target = tmp_path / "tone.flac"
    await run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", target])
    info = await ffprobe(target)
    assert info["streams"][0]["codec_name"] == "flac"
    assert float(info["format"]["duration"]) == pytest.approx(2.0, abs=0.05)


async def test_ffmpeg_failure_carries_its_error_message(tmp_path: Path) -> None:
    with pytest.raises(FFmpegError, match=r"ffmpeg exited with code \d+: .*no-such-file"):
        await run_ffmpeg(["-i", tmp_path / "no-such-file.flac", tmp_path / "out.wav"])


async def test_ffprobe_of_a_non_media_file_fails_clearly(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all\n")
    with pytest.raises(FFmpegError, match="ffprobe exited"):
        await ffprobe(text)


def test_missing_ffmpeg_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    ffmpeg.find_tool.cache_clear()
    try:
        with pytest.raises(FFmpegError, match=r"'ffprobe' was not found.*apt-get install ffmpeg"):
            find_tool("ffprobe")
    finally:
        ffmpeg.find_tool.cache_clear()
