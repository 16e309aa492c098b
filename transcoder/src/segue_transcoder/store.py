"""Where renditions live on disk: kept (pre-encoded) and cached (on demand, LRU-bounded).

A rendition's file name carries a fingerprint of the source file (content
key, size, mtime) and of the ladder step, so a changed source or a changed
ladder step never serves stale bytes; the fingerprint is also the ETag.
The cache's "last used" time is the file's mtime, touched when served.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
import structlog

from segue.models import Track
from segue_transcoder.encode import TEMP_MARK
from segue_transcoder.ladder import LadderStep

log = structlog.get_logger("segue.transcoder")

TOUCH_EVERY = 60.0
"""Seconds between two "last used" updates of one cached file (a write each time)."""
STALE_TEMP_SECONDS = 3600.0
"""A temporary file of a live process older than this is abandoned too."""
FOUND_TTL = 1.0
FOUND_CACHE = 4096
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_TEMP_PID = re.compile(re.escape(TEMP_MARK) + r"(\d+)-")


def source_key(track: Track) -> str:
    """Identifies one version of a track's file (it changes when the file does)."""
    return f"{track.content_key}:{track.size}:{track.mtime_ns}"


def fingerprint(track: Track, step: LadderStep) -> str:
    """Identifies the bytes of one rendition of one version of the source."""
    text = f"{source_key(track)}:{step.spec_key}"
    return hashlib.sha1(text.encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Found:
    """A complete rendition on disk."""

    path: Path
    size: int
    mtime: float
    kept: bool


class RenditionStore:
    """The rendition files below ``root``: ``kept/`` (never evicted) and ``cache/`` (LRU)."""

    def __init__(self, root: Path, cache_limit_bytes: int) -> None:
        self.root = root
        self.kept_dir = root / "kept"
        self.cache_dir = root / "cache"
        self.cache_limit_bytes = cache_limit_bytes
        self._touched: dict[Path, float] = {}
        self._found: dict[Path, tuple[float, Found]] = {}
        self._evicting = anyio.Lock()

    def _track_dir(self, base: Path, track_id: str) -> Path:
        name = (
            track_id
            if _SAFE_ID.fullmatch(track_id)
            else hashlib.sha1(track_id.encode()).hexdigest()
        )
        return base / name[:2] / name

    def path(self, track: Track, step: LadderStep, *, kept: bool) -> Path:
        """The final path of ``step`` of ``track`` in the kept or the cache tree."""
        base = self.kept_dir if kept else self.cache_dir
        name = f"{step.name}.{fingerprint(track, step)}.{step.extension}"
        return self._track_dir(base, track.id) / name

    async def find(self, track: Track, step: LadderStep) -> Found | None:
        """The complete rendition if one exists (kept first, then cached).

        A hit is remembered for a second: a player's burst of range requests
        costs one ``stat``. (Names carry the fingerprint, so a remembered file
        is never stale, only possibly evicted; the read then fails cleanly.)
        """
        now = time.monotonic()
        for kept in (True, False):
            path = self.path(track, step, kept=kept)
            remembered = self._found.get(path)
            if remembered is not None and remembered[0] > now:
                return remembered[1]
            try:
                stat = await anyio.Path(path).stat()
            except FileNotFoundError:
                continue
            found = Found(path=path, size=stat.st_size, mtime=stat.st_mtime, kept=kept)
            if len(self._found) > FOUND_CACHE:
                self._found.clear()
            self._found[path] = (now + FOUND_TTL, found)
            return found
        return None

    async def touch(self, found: Found) -> None:
        """Record a use of a cached rendition (at most once a minute per file)."""
        if found.kept:
            return
        now = time.time()
        if now - self._touched.get(found.path, 0.0) < TOUCH_EVERY:
            return
        self._touched[found.path] = now
        try:
            await anyio.to_thread.run_sync(os.utime, found.path)
        except FileNotFoundError:  # evicted meanwhile by another process
            self._touched.pop(found.path, None)

    async def forget_older_versions(self, track: Track, step: LadderStep) -> None:
        """Remove renditions of ``step`` made from earlier versions of the source."""

        def remove() -> None:
            for kept in (True, False):
                current = self.path(track, step, kept=kept)
                if not current.parent.is_dir():
                    continue
                for other in current.parent.glob(f"{step.name}.*.{step.extension}"):
                    if other != current:
                        other.unlink(missing_ok=True)

        await anyio.to_thread.run_sync(remove)

    async def evict(self) -> int:
        """Delete the least recently used cached renditions until the cache fits its limit.

        Returns the number of bytes freed.
        """
        async with self._evicting:
            freed = await anyio.to_thread.run_sync(self._evict_sync)
        if freed:
            log.info("cache evicted", freed_bytes=freed, limit_bytes=self.cache_limit_bytes)
        return freed

    def _evict_sync(self) -> int:
        files: list[tuple[float, int, Path]] = []
        total = 0
        for path in _walk_files(self.cache_dir):
            if TEMP_MARK in path.name:
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
            total += stat.st_size
        freed = 0
        for _mtime, size, path in sorted(files):
            if total - freed <= self.cache_limit_bytes:
                break
            path.unlink(missing_ok=True)
            self._touched.pop(path, None)
            self._found.pop(path, None)
            freed += size
        return freed

    async def cache_bytes(self) -> int:
        """Bytes of complete renditions in the on-demand cache."""

        def count() -> int:
            return sum(
                p.stat().st_size for p in _walk_files(self.cache_dir) if TEMP_MARK not in p.name
            )

        return await anyio.to_thread.run_sync(count)

    async def sweep_temp(self) -> int:
        """Remove temporary files left by killed processes; the number removed."""
        return await anyio.to_thread.run_sync(self._sweep_sync)

    def _sweep_sync(self) -> int:
        removed = 0
        now = time.time()
        for base in (self.kept_dir, self.cache_dir):
            for path in _walk_files(base):
                match = _TEMP_PID.search(path.name)
                if match is None:
                    continue
                try:
                    age = now - path.stat().st_mtime
                except FileNotFoundError:
                    continue
                if not _alive(int(match[1])) or age > STALE_TEMP_SECONDS:
                    path.unlink(missing_ok=True)
                    removed += 1
        if removed:
            log.info("removed unfinished renditions of stopped jobs", files=removed)
        return removed


def _walk_files(base: Path) -> list[Path]:
    found: list[Path] = []
    for directory, _dirs, names in os.walk(base):
        found += [Path(directory) / name for name in names]
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
