"""Benchmark: library scan speed against a bare walk and single-process tag reading.

    .venv/bin/python tests/benchmarks/bench_scan.py [--files N] [--workers W]

Builds (once, cached under .cache/bench-library-<N>/) a library of N real
audio files, then measures in this run:

* baseline: os.walk + stat of the tree, and mutagen reading a 1,000-file
  sample in one process;
* full scan into a fresh catalog (files/s; target >= 1,000 files/s);
* rescan with nothing changed (target: under 1 s per 10,000 files).

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import anyio
import mutagen

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scanlib_generate import build_library

from segue.runtime import open_context
from segue_catalog_filesystem.scanner import scan_library

REPO = Path(__file__).resolve().parents[2]
FULL_SCAN_TARGET = 1000.0  # files/s
RESCAN_TARGET_PER_10K = 1.0  # seconds
SAMPLE = 1000


def baseline_walk(library: Path) -> tuple[int, float]:
    start = time.perf_counter()
    count = 0
    for folder, _dirs, names in os.walk(library):
        for name in names:
            os.stat(os.path.join(folder, name))
            count += 1
    return count, time.perf_counter() - start


def baseline_mutagen(library: Path, sample: int) -> tuple[int, float]:
    every = sorted(p for p in library.rglob("*") if p.is_file())
    paths = every[:: max(1, len(every) // sample)]
    paths = paths[:sample]
    start = time.perf_counter()
    for path in paths:
        mutagen.File(path)
    return len(paths), time.perf_counter() - start


async def measure_scans(library: Path, workers: int) -> tuple[float, float, int, int]:
    with tempfile.TemporaryDirectory(prefix="segue-bench-scan-") as home:
        config = Path(home) / "segue.toml"
        config.write_text(
            f'[server]\ndata_dir = "{Path(home) / "data"}"\n\n'
            f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n'
            f"scan_workers = {workers}\n",
            encoding="utf-8",
        )
        async with open_context(config) as context:
            start = time.perf_counter()
            full = await scan_library(context)
            full_seconds = time.perf_counter() - start
            start = time.perf_counter()
            again = await scan_library(context)
            rescan_seconds = time.perf_counter() - start
    if full.added != full.files_seen or again.files_read != 0:
        raise SystemExit(
            f"unexpected scan results: full={full!r} rescan={again!r} (expected every file "
            "added by the first scan and none read by the second)"
        )
    return full_seconds, rescan_seconds, full.files_seen, full.problems


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="library size (default 10000)")
    parser.add_argument("--workers", type=int, default=0, help="tag reader processes (0: CPUs)")
    args = parser.parse_args()
    cache = REPO / ".cache" / f"bench-library-{args.files}"
    start = time.perf_counter()
    library = build_library(cache, args.files)
    print(f"library: {library} ({args.files} files, ready in {time.perf_counter() - start:.1f} s)")
    print(f"cpus: {os.cpu_count()}, scan workers: {args.workers or os.cpu_count()}")

    count, walk_seconds = baseline_walk(library)
    print(f"baseline walk+stat:      {count} files in {walk_seconds:.3f} s")
    sample, mutagen_seconds = baseline_mutagen(library, SAMPLE)
    mutagen_rate = sample / mutagen_seconds
    print(f"baseline mutagen (1 process): {mutagen_rate:.0f} files/s ({sample} files)")

    full_seconds, rescan_seconds, seen, problems = anyio.run(measure_scans, library, args.workers)
    rate = seen / full_seconds
    rescan_target = RESCAN_TARGET_PER_10K * args.files / 10_000
    full_ok = rate >= FULL_SCAN_TARGET and problems == 0
    rescan_ok = rescan_seconds < rescan_target
    print(
        f"full scan:    {seen} files in {full_seconds:.2f} s = {rate:.0f} files/s "
        f"({rate / mutagen_rate:.2f}x single-process mutagen; problems: {problems}) "
        f"target >= {FULL_SCAN_TARGET:.0f} files/s: {verdict(full_ok)}"
    )
    print(
        f"rescan (no change): {rescan_seconds:.3f} s "
        f"({rescan_seconds / walk_seconds:.2f}x the bare walk) "
        f"target < {rescan_target:.2f} s: {verdict(rescan_ok)}"
    )
    return 0 if full_ok and rescan_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
