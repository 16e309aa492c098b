"""Benchmark: fingerprinting throughput (parallel fpcalc) and duplicate-detection time.

    .venv/bin/python tests/benchmarks/bench_fingerprint.py [--tracks N] [--workers W]

Builds (once, cached under .cache/bench-fingerprint-<N>/) N distinct short
MP3 files (10 s each, cut from long recordings of random notes synthesized
with numpy) plus N/20 re-encoded copies in Ogg Vorbis, then measures in this run:

* baseline: fpcalc run by hand, one file after another, on the N originals;
* the plugin fingerprinting the whole scanned library in parallel
  (tracks/s and audio-seconds/s; target: faster than the baseline by
  ``--min-speedup``, 1.3 by default, when there are 2 cores or more and
  the machine is not already busy; fpcalc must run in parallel in any case);
* duplicate detection over every fingerprint (target: under 5 s per 1,000
  tracks), which must find exactly the N/20 copies.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import anyio
import numpy as np

from segue.models import ListQuery, Track
from segue.runtime import open_context
from segue_catalog_filesystem.scanner import scan_library
from segue_fingerprint_chromaprint.service import require_fingerprinter
from segue_transcoder.ffmpeg import run_ffmpeg

REPO = Path(__file__).resolve().parents[2]
SEGMENT_SECONDS = 10
PER_SOURCE = 100
DETECT_TARGET_PER_1000 = 5.0  # seconds


RATE = 22050


def synthesize(seconds: int, seed: int) -> np.ndarray:
    """Two voices of random notes over soft noise: no stretch sounds like another."""
    rng = np.random.default_rng(seed)
    samples = seconds * RATE
    mix = rng.normal(0.0, 0.03, samples)
    for _voice in range(2):
        lengths = rng.integers(int(0.12 * RATE), int(0.5 * RATE), size=seconds * 8 + 8)
        pitches = 110.0 * 2.0 ** (rng.integers(0, 36, size=len(lengths)) / 12)
        frequency = np.repeat(pitches, lengths)[:samples]
        mix += 0.3 * np.sin(np.cumsum(2 * np.pi * frequency / RATE))
    return (np.clip(mix, -1, 1) * 32000).astype("<i2")


def write_wav(path: Path, pcm: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


async def build_library(root: Path, tracks: int) -> None:
    """N distinct 10-second MP3s in originals/, and every 20th again as Ogg in copies/."""
    done = root / ".complete"
    if done.exists():
        return
    originals, copies = root / "originals", root / "copies"
    originals.mkdir(parents=True, exist_ok=True)
    copies.mkdir(parents=True, exist_ok=True)
    limiter = anyio.CapacityLimiter(os.cpu_count() or 1)
    sources = (tracks + PER_SOURCE - 1) // PER_SOURCE

    async def source(k: int) -> None:
        async with limiter:
            wav = root / f"source-{k}.wav"
            pcm = await anyio.to_thread.run_sync(synthesize, PER_SOURCE * SEGMENT_SECONDS, k)
            pcm = pcm[: -RATE // 2]  # a last segment of 9.5 s: no sliver of a 101st
            await anyio.to_thread.run_sync(write_wav, wav, pcm)
            await run_ffmpeg(
                [
                    "-i", wav,
                    "-f", "segment", "-segment_time", str(SEGMENT_SECONDS),
                    "-segment_start_number", str(k * PER_SOURCE),
                    "-c:a", "libmp3lame", "-b:a", "96k",
                    originals / "track-%05d.mp3",
                ]
            )  # fmt: skip
            wav.unlink()

    async with anyio.create_task_group() as tg:
        for k in range(sources):
            tg.start_soon(source, k)
    for extra in sorted(originals.glob("*.mp3"))[tracks:]:
        extra.unlink()

    async def copy(path: Path) -> None:
        async with limiter:
            await run_ffmpeg(
                ["-i", path, "-c:a", "libvorbis", "-q:a", "3", copies / f"{path.stem}.ogg"]
            )

    async with anyio.create_task_group() as tg:
        for path in sorted(originals.glob("*.mp3"))[::20]:
            tg.start_soon(copy, path)
    done.touch()


def children_cpu() -> float:
    """CPU seconds used so far by finished child processes (fpcalc)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def baseline_sequential(files: list[Path]) -> tuple[float, float]:
    """(seconds, fpcalc CPU seconds) of fpcalc run by hand on ``files``, one after another."""
    cpu, start = children_cpu(), time.perf_counter()
    for path in files:
        subprocess.run(["fpcalc", "-raw", "-json", str(path)], capture_output=True, check=False)
    return time.perf_counter() - start, children_cpu() - cpu


async def all_tracks(context: object) -> list[Track]:
    from segue.context import SegueContext

    assert isinstance(context, SegueContext)
    tracks: list[Track] = []
    while True:
        page = await context.catalog.list_tracks(ListQuery(offset=len(tracks), limit=500))
        tracks.extend(page.items)
        if not page.items or len(tracks) >= page.total:
            return tracks


async def measure_plugin(
    library: Path, workers: int
) -> tuple[int, float, float, float, int, float, int]:
    """(tracks, seconds, audio s, fpcalc CPU s, peak parallel fpcalc, detection s, groups)."""
    with tempfile.TemporaryDirectory() as home:
        overrides = {
            "server.data_dir": str(Path(home) / "data"),
            "library.paths": [str(library)],
            "plugins.fingerprint-chromaprint.workers": workers,
            "plugins.fingerprint-chromaprint.fingerprint_on_ingest": False,
        }
        async with open_context(None, overrides=overrides) as context:
            await scan_library(context)
            fingerprinter = require_fingerprinter(context)
            tracks = await all_tracks(context)
            cpu, peak = children_cpu(), 0
            async with anyio.create_task_group() as tg:

                async def watch() -> None:
                    nonlocal peak
                    while True:
                        peak = max(peak, int(fingerprinter.limiter.borrowed_tokens))
                        await anyio.sleep(0.005)

                tg.start_soon(watch)
                summary = await fingerprinter.fingerprint_tracks(tracks)
                tg.cancel_scope.cancel()
            cpu = children_cpu() - cpu
            start = time.perf_counter()
            groups = await fingerprinter.detect()
            detect_seconds = time.perf_counter() - start
    return (
        len(tracks),
        summary.seconds,
        summary.audio_seconds,
        cpu,
        peak,
        detect_seconds,
        len(groups),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracks", type=int, default=1000, help="distinct files (default 1000)")
    parser.add_argument("--workers", type=int, default=0, help="fpcalc processes (0: one per core)")
    parser.add_argument("--min-speedup", type=float, default=1.3, help="parallel vs sequential")
    args = parser.parse_args()

    library = REPO / ".cache" / f"bench-fingerprint-{args.tracks}"
    start = time.perf_counter()
    anyio.run(build_library, library, args.tracks)
    print(f"library: {library} (ready in {time.perf_counter() - start:.1f} s)")
    originals = sorted((library / "originals").glob("*.mp3"))
    copies = len(list((library / "copies").glob("*.ogg")))

    load_before = os.getloadavg()[0]
    base_seconds, base_cpu = baseline_sequential(originals)
    base_rate = len(originals) / base_seconds
    print(f"baseline: fpcalc by hand, sequential: {len(originals)} files in {base_seconds:.1f} s"
          f" = {base_rate:.1f} tracks/s, {base_rate * SEGMENT_SECONDS:.0f} audio-s/s")  # fmt: skip

    tracks, seconds, audio, plugin_cpu, peak, detect_seconds, groups = anyio.run(
        measure_plugin, library, args.workers
    )
    rate = tracks / seconds
    speedup = rate / base_rate
    cores = os.cpu_count() or 1
    print(f"plugin, parallel ({args.workers or cores} workers): {tracks} tracks in {seconds:.1f} s"
          f" = {rate:.1f} tracks/s, {audio / seconds:.0f} audio-s/s ({speedup:.2f}x baseline)")  # fmt: skip
    print(
        f"fpcalc CPU per track: baseline {1000 * base_cpu / len(originals):.0f} ms,"
        f" plugin {1000 * plugin_cpu / tracks:.0f} ms"
    )
    detect_target = DETECT_TARGET_PER_1000 * max(tracks, 1000) / 1000
    print(f"duplicate detection: {tracks} tracks in {detect_seconds:.2f} s"
          f" (target < {detect_target:.1f} s); {groups} groups (expected {copies})")  # fmt: skip

    print(f"fpcalc processes running at once: at most {peak}")
    print(f"machine: {cores} cores, load average {load_before:.1f} before the runs")

    failed = False
    if peak < min(2, cores):
        print("MISSED: fpcalc never ran in parallel")
        failed = True
    if load_before >= cores:
        print(f"speedup NOT JUDGED: the machine was busy (load {load_before:.1f} >= {cores} cores)")
    elif cores >= 2 and speedup < args.min_speedup:
        print(f"MISSED: parallel speedup {speedup:.2f} < {args.min_speedup}")
        failed = True
    if detect_seconds > detect_target:
        print("MISSED: duplicate detection too slow")
        failed = True
    if groups != copies:
        print(f"MISSED: found {groups} duplicate groups, expected {copies}")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
