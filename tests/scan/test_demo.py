"""The demo library: real audio in every promised format, full tags, covers, idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner

from segue.cli.main import build_cli
from segue_catalog_filesystem.covers import embedded_picture
from segue_catalog_filesystem.demo import write_demo_library
from segue_catalog_filesystem.tags import read_track
from segue_transcoder.ffmpeg import ffprobe

pytestmark = pytest.mark.anyio

AUDIO_SUFFIXES = {".flac", ".mp3", ".ogg", ".opus", ".m4a", ".wav"}


def audio_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in AUDIO_SUFFIXES)


async def test_demo_library_has_every_format_as_real_audio(demo_library: Path) -> None:
    codecs = set()
    for path in audio_files(demo_library):
        info = await ffprobe(path)
        stream = info["streams"][0]
        assert stream["codec_type"] == "audio"
        assert float(info["format"]["duration"]) > 1.0
        codecs.add(stream["codec_name"])
    assert {"flac", "mp3", "vorbis", "opus", "aac", "pcm_s16le"} <= codecs


def test_demo_library_tags_and_covers(demo_library: Path) -> None:
    tracks = [
        read_track(str(demo_library), p.relative_to(demo_library).as_posix())
        for p in audio_files(demo_library)
    ]
    assert len(tracks) == 12
    assert all(t.title and t.artists and t.album and t.year and t.genres for t in tracks)
    assert all(t.track_number and t.disc_number and t.label for t in tracks)
    artists = {a for t in tracks for a in t.artists}
    assert {"Zoë Ångström", "Mötörhead Ünited", "AB/CD"} <= artists
    assert any(t.musicbrainz_album_id and t.musicbrainz_recording_id for t in tracks)
    assert any(t.replaygain_track_gain is not None for t in tracks)
    assert any(t.replaygain_album_peak is not None for t in tracks)

    compilation = [t for t in tracks if t.compilation]
    assert len(compilation) >= 2
    assert {t.album_artist for t in compilation} == {"Various Artists"}
    assert len({t.artists[0] for t in compilation}) == len(compilation)

    two_formats = {t.codec for t in tracks if t.album == "Nordlys"}
    assert two_formats == {"flac", "mp3"}

    assert any(t.folder_cover for t in tracks)
    embedded = [t for t in tracks if t.has_embedded_cover]
    assert embedded
    picture = embedded_picture(demo_library / embedded[0].relpath)
    assert picture is not None and picture.mime == "image/jpeg"
    for track in tracks:
        if track.folder_cover:
            assert (demo_library / track.folder_cover).read_bytes()[:3] == b"\xff\xd8\xff"


async def test_rerunning_changes_nothing(demo_library: Path, tmp_path: Path) -> None:
    copy = tmp_path / "demo"
    await anyio.to_thread.run_sync(shutil.copytree, demo_library, copy)
    before = {p: p.stat().st_mtime_ns for p in copy.rglob("*")}

    summary = await write_demo_library(copy, tracks=12, max_seconds=3)

    assert summary.written == 0 and summary.tracks == 12
    assert {p: p.stat().st_mtime_ns for p in copy.rglob("*")} == before
    assert sorted(summary.files) == sorted(
        p.relative_to(copy).as_posix() for p in audio_files(copy)
    )


def test_demo_command_writes_a_library(tmp_path: Path) -> None:
    target = tmp_path / "demo dir"
    args = ["demo", "--dir", str(target), "--tracks", "2"]
    result = CliRunner().invoke(build_cli(args), args)
    assert result.exit_code == 0, result.output
    assert "2 tracks" in result.output
    assert len(audio_files(target)) == 2


def test_demo_command_rejects_a_bad_track_count(tmp_path: Path) -> None:
    args = ["demo", "--dir", str(tmp_path), "--tracks", "0"]
    result = CliRunner().invoke(build_cli(args), args)
    assert result.exit_code == 2
    assert "--tracks" in result.output and "0" in result.output
