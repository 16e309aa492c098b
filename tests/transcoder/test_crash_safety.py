"""A killed `segue transcode` leaves no partial rendition and the next run finishes;
a corrupt source is recorded with its reason and not retried forever."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from transcoder_helpers import (
    LADDER,
    long_overrides,
    probe_stream,
    scan,
    transcoder_config,
    wait_until,
)

from segue.models import ListQuery, Track
from segue.runtime import open_context
from segue_transcoder.encode import TEMP_MARK
from segue_transcoder.service import transcoder_of

pytestmark = pytest.mark.anyio

SEGUE = str(Path(sys.executable).with_name("segue"))


def files_below(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def prepare(
    tmp_path: Path, scanned_data_dir: Path, demo_library: Path, library: Path
) -> tuple[Path, Path]:
    """A config and data dir whose catalog holds the demo tracks and ``library``'s files."""
    data_dir = tmp_path / "data"
    await anyio.to_thread.run_sync(shutil.copytree, scanned_data_dir, data_dir)
    paths = long_overrides(demo_library, library)["library.paths"]
    config = tmp_path / "segue.toml"
    config.write_text(
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f"[library]\npaths = {paths!r}\nscan_on_startup = false\n\n".replace("'", '"')
        + '[events]\nbackend = "sqlite"\nrun_consumers_in_server = false\n\n'
        + transcoder_config(modes=["pre_encode"], analyze_on_ingest=False),
        encoding="utf-8",
    )
    async with open_context(config) as context:
        await scan(context)
    return config, data_dir


async def find_track(config: Path, relpath: str) -> Track:
    async with open_context(config) as context:
        page = await context.catalog.list_tracks(ListQuery(limit=200))
    [track] = [t for t in page.items if t.relpath == relpath]
    return track


def run_transcode(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SEGUE, "transcode", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_a_killed_job_leaves_no_partial_rendition_and_completes_after_restart(
    tmp_path: Path, scanned_data_dir: Path, demo_library: Path, long_library: Path
) -> None:
    config, data_dir = await prepare(tmp_path, scanned_data_dir, demo_library, long_library)
    long = await find_track(config, "long.flac")
    kept = data_dir / "transcoder" / "kept"

    process = await anyio.open_process(
        [SEGUE, "transcode", "--config", str(config), "--track", long.id],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its ffmpeg dies with it, as in a crash of the machine
    )

    async def writing() -> bool:
        assert process.returncode is None, "segue transcode ended before it could be killed"
        files = await anyio.to_thread.run_sync(files_below, kept)
        return any(TEMP_MARK in p.name and p.stat().st_size > 0 for p in files)

    try:
        await wait_until(writing, 60, "a rendition being written")
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        with anyio.fail_after(10):
            await process.wait()

    left = files_below(kept)
    assert left, "the killed job wrote nothing at all"
    assert all(TEMP_MARK in p.name for p in left), f"partial renditions: {left}"

    result = await anyio.to_thread.run_sync(run_transcode, config, "--missing")
    assert result.returncode == 0, result.stderr

    finals = files_below(kept)
    assert not [p for p in finals if TEMP_MARK in p.name], "temporary files were left"
    assert len([p for p in finals if p.name.startswith(tuple(s.name for s in LADDER))]) >= len(
        LADDER
    )
    async with open_context(config) as context:
        service = transcoder_of(context)
        for step in LADDER:
            found = await service.store.find(long, step)
            assert found is not None, step.name
            probed = await probe_stream(found.path)
            assert abs(float(probed["format"]["duration"]) - long.duration_ms / 1000) < 0.2


async def test_a_corrupt_source_is_marked_and_not_retried(
    tmp_path: Path, scanned_data_dir: Path, demo_library: Path, make_app: Any, login: Any
) -> None:
    library = tmp_path / "library"
    library.mkdir()
    flac = await anyio.to_thread.run_sync(lambda: next(demo_library.rglob("*.flac")))
    shutil.copy(flac, library / "broken.flac")
    config, _data_dir = await prepare(tmp_path, scanned_data_dir, demo_library, library)
    broken = await find_track(config, "broken.flac")
    path = library / "broken.flac"
    stat = path.stat()
    path.write_bytes(os.urandom(stat.st_size))  # same size and mtime: the catalog sees no change
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    first = await anyio.to_thread.run_sync(run_transcode, config, "--missing", "--track", broken.id)
    second = await anyio.to_thread.run_sync(
        run_transcode, config, "--missing", "--track", broken.id
    )

    assert first.returncode == 0, first.stderr
    assert f"{broken.id} failed: ffmpeg could not transcode broken.flac" in first.stdout
    assert f"{broken.id} failed_before" in second.stdout  # not tried again
    async with open_context(config) as context:
        service = transcoder_of(context)
        reason = service.failure_for(broken)
        assert reason is not None and "broken.flac" in reason.reason
        fields = context.extra_track_fields(broken)
    assert "ffmpeg could not transcode broken.flac" in fields["transcode_error"]
