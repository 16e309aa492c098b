"""Helpers of the fingerprint tests: the acceptance library, test configs, waiting.

The library holds one album as FLAC and as MP3 at 128 kbps, its first song
again as Ogg Vorbis without its first 2 seconds (and other tags), four
distinct songs (two of them tagged exactly like album songs, so tags alone
would mislead) and one MP3 whose audio is zeros (fpcalc cannot decode it).
Imported by name (``from fingerprint_helpers import ...``): a module named
``conftest`` would clash with the other test folders' conftest files.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from fingerprint_audio import (
    FLAC,
    MP3_128,
    MP3_192,
    OGG,
    corrupt_copy,
    reencode,
    tags,
    write_song,
)

from segue.context import ProcessRole, SegueContext
from segue.runtime import open_context

ADMIN = ("admin", "admin-password-for-tests")

# The groups the acceptance test expects, as sets of paths below the library.
EXPECTED_GROUPS = [
    {"Album (FLAC)/01 First.flac", "Album (MP3)/01 First.mp3", "Elsewhere/shifted.ogg"},
    {"Album (FLAC)/02 Second.flac", "Album (MP3)/02 Second.mp3"},
    {"Album (FLAC)/03 Third.flac", "Album (MP3)/03 Third.mp3"},
]
SINGLES = [
    "Singles/04 Fourth.flac",
    "Singles/05 Fifth.mp3",
    "Singles/06 Second again.mp3",
    "Singles/07 Third again.flac",
]
CORRUPT = "Broken/broken.mp3"
ALBUM_TITLES = {1: "First", 2: "Second", 3: "Third"}


async def build_library(root: Path) -> None:
    limiter = anyio.CapacityLimiter(2)

    async def song(target: str, seed: int, codec: list[str], meta: list[str]) -> None:
        async with limiter:
            await write_song(root / target, seed, codec, meta)

    async with anyio.create_task_group() as tg:
        for n, title in ALBUM_TITLES.items():
            meta = tags(title, "Band", "Album", n)
            tg.start_soon(song, f"Album (FLAC)/0{n} {title}.flac", n, FLAC, meta)
        # Distinct songs; 06 and 07 carry an album song's exact tags.
        tg.start_soon(song, SINGLES[0], 4, FLAC, tags("Fourth", "Solo"))
        tg.start_soon(song, SINGLES[1], 5, MP3_192, tags("Fifth", "Solo"))
        tg.start_soon(song, SINGLES[2], 6, MP3_128, tags("Second", "Band", "Album", 2))
        tg.start_soon(song, SINGLES[3], 7, FLAC, tags("Third", "Band", "Album", 3))

    async def copy(n: int, title: str) -> None:
        async with limiter:
            await reencode(
                root / f"Album (FLAC)/0{n} {title}.flac",
                root / f"Album (MP3)/0{n} {title}.mp3",
                MP3_128,
                tags(title, "Band", "Album", n),
            )

    async with anyio.create_task_group() as tg:
        for n, title in ALBUM_TITLES.items():
            tg.start_soon(copy, n, title)
        tg.start_soon(
            lambda: reencode(
                root / "Album (FLAC)/01 First.flac",
                root / "Elsewhere/shifted.ogg",
                OGG,
                tags("Untitled", "Someone Else"),
                skip_seconds=2.0,
            )
        )
    corrupt_copy(root / SINGLES[1], root / CORRUPT)


def config_text(data_dir: Path, library: Path, plugin: str = "") -> str:
    """A test config: the library, an admin, no startup scan, 2 fpcalc workers."""
    return (
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n\n'
        f'[auth]\nadmin_user = "{ADMIN[0]}"\nadmin_password = "{ADMIN[1]}"\n'
        "login_attempts_per_minute = 1000\n\n"
        '[events]\nbackend = "sqlite"\nrun_consumers_in_server = false\n\n'
        "[plugins.events-sqlite]\npoll_interval = 0.05\nretry_delay = 0\n\n"
        f"[plugins.fingerprint-chromaprint]\nworkers = 2\n{plugin}\n"
    )


@dataclass
class Setup:
    """A Segue home: its config file, data dir and library."""

    config: Path
    data_dir: Path
    library: Path

    @asynccontextmanager
    async def open(self, role: ProcessRole = "cli") -> AsyncIterator[SegueContext]:
        async with open_context(self.config, role=role) as context:
            yield context


MakeSetup = Callable[..., Setup]


def write_setup(
    home: Path, library: Path, plugin: str = "", data_from: Path | None = None
) -> Setup:
    home.mkdir(parents=True, exist_ok=True)
    data_dir = home / "data"
    if data_from is not None:
        shutil.copytree(data_from, data_dir)
    config = home / "segue.toml"
    config.write_text(config_text(data_dir, library, plugin), encoding="utf-8")
    return Setup(config, data_dir, library)


async def wait_until(check: Callable[[], object], within: float = 60.0) -> None:
    """Poll ``check`` (an async or plain callable) until it is truthy."""
    with anyio.fail_after(within):
        while True:
            result = check()
            if hasattr(result, "__await__"):
                result = await result
            if result:
                return
            await anyio.sleep(0.05)


async def ingest_through_worker(setup: Setup) -> None:
    """Scan with a worker's consumers running: jobs go through the events slot."""
    from segue_catalog_filesystem.scanner import scan_library
    from segue_fingerprint_chromaprint.service import require_fingerprinter

    async with setup.open(role="worker") as context:
        report = await scan_library(context)
        fingerprinter = require_fingerprinter(context)

        async def all_done() -> bool:
            done = await fingerprinter.store.count() + len(await fingerprinter.store.failures())
            lag = await context.events.lag("fingerprint", "fingerprint-chromaprint.compute")
            return done >= report.added and lag == 0

        await wait_until(all_done)
        # The worker detects duplicates shortly after its last job (maybe more than once).
        grouped = sum(len(group) for group in EXPECTED_GROUPS)
        await wait_until(lambda: len(fingerprinter.recordings.recording_of) == grouped)
