"""The hooks this plugin fires and implements, observed through a recorder plugin."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner
from scanhelpers import Recorder, all_tracks, copy_template, scan_context, write_config

from segue.cli.main import build_cli
from segue_catalog_filesystem.scanner import scan_in_progress, scan_library


def make_library(templates: dict[str, Path], root: Path) -> Path:
    for ext in ("flac", "mp3", "ogg", "m4a"):
        copy_template(templates[ext], root / "album" / f"song.{ext}")
    return root


@pytest.mark.anyio
async def test_hook_catalog_tracks_added(audio_templates: dict[str, Path], tmp_path: Path) -> None:
    library = make_library(audio_templates, tmp_path / "library")
    recorder = Recorder()
    async with scan_context(
        tmp_path / "home", [library], extra_plugins=[("recorder", recorder)]
    ) as context:
        await scan_library(context)
        stored = await all_tracks(context)
        assert sorted(t.id for t in recorder.added) == sorted(t.id for t in stored)
        assert len(stored) == 4
        await scan_library(context)  # nothing new: no second notification
        assert len(recorder.added) == 4
        assert recorder.changed == [] and recorder.removed == []


@pytest.mark.anyio
async def test_hook_catalog_tracks_changed(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    library = make_library(audio_templates, tmp_path / "library")
    recorder = Recorder()
    async with scan_context(
        tmp_path / "home", [library], extra_plugins=[("recorder", recorder)]
    ) as context:
        await scan_library(context)
        by_path = {t.relpath: t for t in await all_tracks(context)}
        (library / "album" / "song.flac").rename(library / "moved.flac")
        copy_template(audio_templates["wav"], library / "album" / "song.ogg")  # new content
        await scan_library(context)
        changed = {t.id: t for t in recorder.changed}
        assert set(changed) == {by_path["album/song.flac"].id, by_path["album/song.ogg"].id}
        assert changed[by_path["album/song.flac"].id].relpath == "moved.flac"
        assert changed[by_path["album/song.ogg"].id].codec == "pcm"
        assert recorder.removed == []


@pytest.mark.anyio
async def test_hook_catalog_tracks_removed(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    library = make_library(audio_templates, tmp_path / "library")
    recorder = Recorder()
    async with scan_context(
        tmp_path / "home", [library], extra_plugins=[("recorder", recorder)]
    ) as context:
        await scan_library(context)
        mp3 = next(t for t in await all_tracks(context) if t.codec == "mp3")
        (library / "album" / "song.mp3").unlink()
        await scan_library(context)
        assert recorder.removed == [mp3.id]


def test_hook_register_commands(audio_templates: dict[str, Path], tmp_path: Path) -> None:
    library = make_library(audio_templates, tmp_path / "library")
    (library / "broken.flac").write_bytes(b"fLaC\x00\x00")
    config = write_config(tmp_path / "home", [library])
    args = ["scan", "--config", str(config)]

    result = CliRunner().invoke(build_cli(args), args)

    assert result.exit_code == 0, result.output
    assert "Scanned 5 files (5 read): 4 added, 0 changed, 0 moved, 0 removed, 1 problems." in (
        result.output
    )
    assert f"problem: {library}/broken.flac: truncated or corrupt FLAC" in result.output

    again = CliRunner().invoke(build_cli(args), args)
    assert "Scanned 5 files (1 read): 0 added" in again.output


def test_scan_command_without_library_says_what_to_set(tmp_path: Path) -> None:
    config = write_config(tmp_path / "home", [])
    args = ["scan", "--config", str(config)]
    result = CliRunner().invoke(build_cli(args), args)
    assert result.exit_code == 2
    assert "no library folders to scan" in result.output
    assert "[library] paths" in result.output
    assert "Traceback" not in result.output


@pytest.mark.anyio
async def test_hook_startup(audio_templates: dict[str, Path], tmp_path: Path) -> None:
    library = make_library(audio_templates, tmp_path / "library")
    recorder = Recorder()
    async with scan_context(
        tmp_path / "server",
        [library],
        extra_plugins=[("recorder", recorder)],
        role="server",
        scan_on_startup=True,
    ) as context:
        # The hook started a scan in the background before this test asked for any.
        running = scan_in_progress(context)
        assert running is not None or await context.catalog.last_scan_report() is not None
        with anyio.fail_after(30):
            # Scans take turns: after two more, the startup scan has finished too.
            await scan_library(context)
            await scan_library(context)
        assert scan_in_progress(context) is None
        assert len(recorder.added) == 4

    # Other processes (commands, workers) never scan on their own.
    async with scan_context(
        tmp_path / "cli", [library], role="cli", scan_on_startup=True
    ) as context:
        assert scan_in_progress(context) is None
        await anyio.sleep(0.1)
        assert await context.catalog.last_scan_report() is None
