"""Scan the library roots into the catalog: new, changed, moved and removed files.

Per root: walk the folder on a thread, compare with what the catalog knows
(size and mtime), read only new or changed files in a process pool, match
new paths against gone files by content key (a move keeps the track id, and
with it play counts and playlist entries), and store the findings in batches,
notifying plugins after each batch. A root that cannot be listed is reported
and left alone: its tracks are not marked removed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
import msgspec
import structlog
from anyio.streams.memory import MemoryObjectSendStream

from segue.context import SegueContext
from segue.errors import Conflict
from segue.models import FileState, ScanChanges, ScannedTrack, ScanProblem, ScanReport
from segue_catalog_filesystem.reader_pool import (
    INLINE_LIMIT,
    ReadItem,
    ReadOutcome,
    TagReaderPool,
    chunk_size,
    default_workers,
    read_inline,
)
from segue_catalog_filesystem.walk import RootUnavailable, WalkResult, walk_library

log = structlog.get_logger("segue.scan")

BATCH_SIZE = 500


class ScanProgress(msgspec.Struct, kw_only=True):
    """How far the running scan is (the admin API shows it, the CLI draws a bar)."""

    started_at: float
    root: str | None = None
    """The library root being scanned."""
    phase: str = "starting"
    """starting, walking, reading or storing."""
    files_seen: int = 0
    """Audio files found so far (all roots)."""
    files_read: int = 0
    """Files whose tags were read so far."""
    files_to_read: int = 0
    """New or changed files found so far, which need reading."""


ProgressCallback = Callable[[ScanProgress], object]


@dataclass
class _ScanState:
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    progress: ScanProgress | None = None


# One state per running Segue: the lock makes scans take turns.
_states: WeakKeyDictionary[SegueContext, _ScanState] = WeakKeyDictionary()


def _state(context: SegueContext) -> _ScanState:
    state = _states.get(context)
    if state is None:
        state = _states[context] = _ScanState()
    return state


class ScanAlreadyRunning(Conflict):
    """A scan was asked for while one is running (HTTP 409)."""


def scan_in_progress(context: SegueContext) -> ScanProgress | None:
    """The running (or about to start) scan's progress, or None when no scan runs."""
    return _state(context).progress


def start_background_scan(context: SegueContext) -> ScanProgress:
    """Start a scan in the background of the running Segue; raise if one is running."""
    state = _state(context)
    if state.progress is not None or state.lock.locked():
        started = state.progress.started_at if state.progress else None
        since = f" (started {time.time() - started:.0f} s ago)" if started else ""
        raise ScanAlreadyRunning(
            f"a library scan is already running{since}; "
            "wait for it to finish (GET /api/v1/admin/scan shows its progress)"
        )
    # Marked before the task starts, so that a second request right after sees it.
    state.progress = ScanProgress(started_at=time.time())
    try:
        context.spawn(scan_library, context, name="library scan")
    except BaseException:
        state.progress = None
        raise
    return state.progress


async def scan_library(
    context: SegueContext, *, progress: ProgressCallback | None = None
) -> ScanReport:
    """Scan every library root into the catalog and return the report.

    One scan runs at a time per Segue: a second call waits for the first.
    ``progress`` is called with a ScanProgress as the scan advances.
    """
    state = _state(context)
    async with state.lock:
        report = ScanReport(started_at=time.time())
        tracker = _Tracker(ScanProgress(started_at=report.started_at), progress)
        state.progress = tracker.progress
        catalog = context.catalog
        await catalog.save_scan_report(report)
        try:
            workers = default_workers(context.config.library.scan_workers)
            async with TagReaderPool(workers) as pool:
                for root in context.library_roots:
                    await _RootScan(context, str(root), report, tracker, pool).run()
        except Exception as exc:
            report.state, report.finished_at = "failed", time.time()
            report.error = f"{type(exc).__name__}: {exc}"
            with anyio.CancelScope(shield=True):
                await catalog.save_scan_report(report)
            raise
        finally:
            state.progress = None
        report.state, report.finished_at = "finished", time.time()
        await catalog.save_scan_report(report)
        log.info(
            "scan finished",
            seconds=round(report.finished_at - report.started_at, 2),
            files_seen=report.files_seen,
            files_read=report.files_read,
            added=report.added,
            changed=report.changed,
            moved=report.moved,
            removed=report.removed,
            problems=report.problems,
        )
        return report


class _Tracker:
    def __init__(self, progress: ScanProgress, callback: ProgressCallback | None) -> None:
        self.progress = progress
        self._callback = callback

    def update(self, **changes: object) -> None:
        for name, value in changes.items():
            setattr(self.progress, name, value)
        if self._callback is not None:
            self._callback(self.progress)


class _RootScan:
    """The scan of one library root (one ScanChanges stream, one problem list)."""

    def __init__(
        self,
        context: SegueContext,
        root: str,
        report: ScanReport,
        tracker: _Tracker,
        pool: TagReaderPool,
    ) -> None:
        self.context = context
        self.root = root
        self.report = report
        self.tracker = tracker
        self.pool = pool
        self.problems: list[ScanProblem] = []
        self.known: dict[str, FileState] = {}
        self.orphans: dict[str, list[FileState]] = {}
        """Known tracks whose file is not where it was, by content key: move candidates."""
        self.pending = ScanChanges(root=root)

    async def run(self) -> None:
        catalog = self.context.catalog
        self.tracker.update(root=self.root, phase="walking")
        try:
            walked = await anyio.to_thread.run_sync(walk_library, self.root)
        except RootUnavailable as exc:
            log.warning("library root unavailable", root=self.root, reason=exc.reason)
            await self._record_problems([("", exc.reason)])
            return
        self.known = await catalog.file_states(self.root)
        to_read = self._plan(walked)
        seen = self.tracker.progress.files_seen + len(walked.files)
        self.report.files_seen += len(walked.files)
        self.tracker.update(
            phase="reading",
            files_seen=seen,
            files_to_read=self.tracker.progress.files_to_read + len(to_read),
        )
        await self._read_and_store(to_read)
        self.tracker.update(phase="storing")
        await self._flush()
        await self._remove_gone()
        self.problems[:0] = [self._problem(rel, reason) for rel, reason in walked.problems]
        await catalog.replace_problems(self.root, self.problems)
        self.report.problems += len(self.problems)

    def _plan(self, walked: WalkResult) -> list[ReadItem]:
        """Files to read (new or changed), and the orphans new paths may be moves of."""
        to_read: list[ReadItem] = []
        for relpath, found in walked.files.items():
            known = self.known.get(relpath)
            if (
                known is not None
                and not known.missing
                and known.size == found.size
                and known.mtime_ns == found.mtime_ns
            ):
                continue
            to_read.append((relpath, found.folder_cover))
        for known in self.known.values():
            if known.relpath in walked.files or walked.under_unreadable(known.relpath):
                continue
            self.orphans.setdefault(known.content_key, []).append(known)
        return to_read

    async def _read_and_store(self, to_read: list[ReadItem]) -> None:
        if not to_read:
            return
        if len(to_read) <= INLINE_LIMIT:
            await self._take(await read_inline(self.root, to_read))
            return
        size = chunk_size(len(to_read), self.pool.workers)
        chunks = [to_read[i : i + size] for i in range(0, len(to_read), size)]
        send, receive = anyio.create_memory_object_stream[list[ReadOutcome]](math.inf)
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._read_chunks, chunks, send)
            async with receive:
                async for outcomes in receive:
                    await self._take(outcomes)

    async def _read_chunks(
        self, chunks: list[list[ReadItem]], send: MemoryObjectSendStream[list[ReadOutcome]]
    ) -> None:
        # Two chunks per worker in flight: one running, one queued behind it,
        # so results stream back while later chunks wait their turn here.
        in_flight = anyio.Semaphore(self.pool.workers * 2)

        async def read(
            chunk: list[ReadItem], out: MemoryObjectSendStream[list[ReadOutcome]]
        ) -> None:
            try:
                async with out:
                    await out.send(await self.pool.read(self.root, chunk))
            finally:
                in_flight.release()

        async with send, anyio.create_task_group() as tg:
            for chunk in chunks:
                await in_flight.acquire()
                tg.start_soon(read, chunk, send.clone())

    async def _take(self, outcomes: list[ReadOutcome]) -> None:
        for outcome in outcomes:
            if outcome.track is None:
                self.problems.append(self._problem(outcome.relpath, outcome.reason or "unknown"))
            else:
                self._classify(outcome.track)
        self.report.files_read += len(outcomes)
        self.tracker.update(files_read=self.tracker.progress.files_read + len(outcomes))
        if self._pending_count() >= BATCH_SIZE:
            await self._flush()

    def _classify(self, track: ScannedTrack) -> None:
        known = self.known.get(track.relpath)
        if known is not None:
            if known.missing:
                self.pending.moved.append((known.track_id, track))  # the file came back
            else:
                self.pending.updated.append((known.track_id, track))
            return
        candidates = self.orphans.get(track.content_key)
        if candidates:
            self.pending.moved.append((candidates.pop().track_id, track))
            if not candidates:
                del self.orphans[track.content_key]
            return
        self.pending.added.append(track)

    def _pending_count(self) -> int:
        return len(self.pending.added) + len(self.pending.updated) + len(self.pending.moved)

    async def _flush(self) -> None:
        changes, self.pending = self.pending, ScanChanges(root=self.root)
        if not (changes.added or changes.updated or changes.moved or changes.removed):
            return
        applied = await self.context.catalog.apply_scan(changes)
        self.report.added += len(changes.added)
        self.report.changed += len(changes.updated)
        self.report.moved += len(changes.moved)
        self.report.removed += len(changes.removed)
        if applied.added:
            await self.context.notify("catalog_tracks_added", tracks=applied.added)
        if applied.changed:
            await self.context.notify("catalog_tracks_changed", tracks=applied.changed)
        if applied.removed:
            await self.context.notify("catalog_tracks_removed", track_ids=applied.removed)

    async def _remove_gone(self) -> None:
        gone = [s.track_id for states in self.orphans.values() for s in states if not s.missing]
        for start in range(0, len(gone), BATCH_SIZE):
            self.pending.removed = gone[start : start + BATCH_SIZE]
            await self._flush()

    def _problem(self, relpath: str, reason: str) -> ScanProblem:
        return ScanProblem(root=self.root, relpath=relpath, reason=reason, seen_at=time.time())

    async def _record_problems(self, problems: list[tuple[str, str]]) -> None:
        recorded = [self._problem(relpath, reason) for relpath, reason in problems]
        await self.context.catalog.replace_problems(self.root, recorded)
        self.report.problems += len(recorded)
