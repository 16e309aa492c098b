"""Reading tags in parallel: chunks of files sent to a pool of processes.

mutagen is pure Python, so threads would share one core; processes use them
all. Files go in chunks (up to 64 per task) to amortize the cost of sending
work and results between processes, and results come back as msgpack bytes,
which are cheaper to move than pickled objects. A worker that dies (a crash
inside a parser) breaks the pool: the pool is rebuilt and that chunk's files
are retried one by one, so one bad file costs one problem, not the scan.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

import anyio
import anyio.to_thread
import msgspec

from segue.models import ScannedTrack
from segue_catalog_filesystem.tags import UnreadableFile, read_track

MAX_CHUNK = 64
# Below this many files, starting processes costs more than it saves.
INLINE_LIMIT = 8

ReadItem = tuple[str, str | None]
"""(relpath, folder cover relpath) of a file to read."""


class ReadOutcome(msgspec.Struct, array_like=True):
    """A file read: its track, or why it could not be read."""

    relpath: str
    track: ScannedTrack | None = None
    reason: str | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[ReadOutcome])


def read_one(root: str, relpath: str, folder_cover: str | None) -> ReadOutcome:
    """Read a file; any failure becomes a reason, never an exception."""
    try:
        return ReadOutcome(relpath, read_track(root, relpath, folder_cover=folder_cover))
    except UnreadableFile as exc:
        return ReadOutcome(relpath, reason=exc.reason)
    except Exception as exc:  # a parser bug must not stop the scan
        return ReadOutcome(relpath, reason=f"tag reader failed: {type(exc).__name__}: {exc}")


def read_chunk(root: str, items: Sequence[ReadItem]) -> bytes:
    """Runs in a worker process: read each file, return msgpack-encoded outcomes."""
    return _encoder.encode([read_one(root, relpath, cover) for relpath, cover in items])


def chunk_size(files: int, workers: int) -> int:
    """Small chunks for small scans (keep every worker busy), up to MAX_CHUNK."""
    return max(1, min(MAX_CHUNK, -(-files // (workers * 4))))


def default_workers(configured: int) -> int:
    return configured if configured > 0 else (os.cpu_count() or 1)


def _new_executor(workers: int) -> ProcessPoolExecutor:
    # fork: workers start at once, with mutagen already imported, and never
    # re-import the program's main module (forkserver and spawn do, which
    # breaks scripts without a __main__ guard). The children only read files:
    # they touch none of the locks or connections the parent's threads hold.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


class TagReaderPool:
    """An async front to a process pool reading tags; use ``async with``."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._executor: ProcessPoolExecutor | None = None

    async def __aenter__(self) -> TagReaderPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(
                    lambda: executor.shutdown(wait=True, cancel_futures=True)
                )

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = _new_executor(self.workers)
        return self._executor

    async def read(self, root: str, items: Sequence[ReadItem]) -> list[ReadOutcome]:
        """Read a chunk of files of one root in a worker process."""
        executor = self._pool()
        try:
            return _decoder.decode(await _await(executor, root, items))
        except BrokenProcessPool:
            self._replace(executor)
        # The pool broke while this chunk was in it: retry file by file.
        outcomes = []
        for relpath, cover in items:
            executor = self._pool()
            try:
                outcomes += _decoder.decode(await _await(executor, root, [(relpath, cover)]))
            except BrokenProcessPool:
                self._replace(executor)
                outcomes.append(ReadOutcome(relpath, reason="the tag reader crashed on this file"))
        return outcomes

    def _replace(self, broken: Executor) -> None:
        if self._executor is broken:  # other chunks may have replaced it already
            self._executor = None
            broken.shutdown(wait=False, cancel_futures=True)


async def _await(executor: Executor, root: str, items: Sequence[ReadItem]) -> bytes:
    future: Future[bytes] = executor.submit(read_chunk, root, list(items))
    return await anyio.to_thread.run_sync(future.result, abandon_on_cancel=True)


async def read_inline(root: str, items: Sequence[ReadItem]) -> list[ReadOutcome]:
    """Read a few files on a worker thread (cheaper than starting processes)."""
    return await anyio.to_thread.run_sync(
        lambda: [read_one(root, relpath, cover) for relpath, cover in items]
    )
