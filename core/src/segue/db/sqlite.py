"""SQLite for async code: every statement runs on a worker thread, never on the event loop.

One connection writes (behind a lock, as SQLite allows one writer); a small
pool of connections reads concurrently, which WAL mode permits. Schema
changes are versioned migrations tracked in ``PRAGMA user_version``.

Several processes may write one database (``segue serve`` and ``segue
worker`` processes): they take turns through a lock file next to it
(:class:`WriterLock`), which hands the turn over at once. SQLite's own busy
handler sleeps up to 100 ms between tries: two workers counting into one
database sat idle a quarter of the time.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")

WRITER_CACHE_KIB = 65_536
"""Page cache of the writer connection, filled only as pages are used (SQLite's default is
2 MiB): busy tables written at random places (history, plays) otherwise read most pages
back from the OS on every batch. Readers keep the default; the OS caches the file."""
WAL_CHECKPOINT_PAGES = 10_000
"""WAL pages (4 KiB) before a checkpoint copies them into the database (default 1,000):
pages changed again and again between checkpoints are copied once."""


@dataclass(frozen=True)
class Migration:
    """Schema step ``version`` (1, 2, ...): a script, or a function of the connection."""

    version: int
    apply: str | Callable[[sqlite3.Connection], None]


class WriterLock:
    """Turns between the processes writing one database (an ``flock`` on ``<db>.lock``)."""

    def __init__(self, db_path: Path, timeout_s: float) -> None:
        self.db_path = db_path
        self.timeout_s = timeout_s
        self._fd = os.open(f"{db_path}.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self) -> None:
        """Wait for the turn (blocking: call it on a worker thread); raise after the timeout."""
        deadline = time.monotonic() + self.timeout_s
        delay = 0.0001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError(
                        f"{self.db_path}: another process kept the database locked for "
                        f"{self.timeout_s:g} s"
                    ) from None
                time.sleep(delay)  # short naps: the turn is taken within a millisecond
                delay = min(delay * 2, 0.001)

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


class AsyncSQLite:
    def __init__(
        self,
        path: Path,
        migrations: Sequence[Migration],
        *,
        readers: int = 4,
        busy_timeout_ms: int = 10_000,
    ) -> None:
        versions = [m.version for m in migrations]
        if versions != list(range(1, len(versions) + 1)):
            raise ValueError(f"migrations must be numbered 1..n in order, got {versions}")
        self.path = path
        self._migrations = list(migrations)
        self._busy_timeout_ms = busy_timeout_ms
        self._reader_count = readers
        self._writer: sqlite3.Connection | None = None
        self._write_lock = anyio.Lock()
        self._writer_lock: WriterLock | None = None
        self._readers: list[sqlite3.Connection] = []
        self._reader_slots = anyio.Semaphore(readers)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    async def open(self) -> None:
        def setup() -> sqlite3.Connection:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer_lock = WriterLock(self.path, self._busy_timeout_ms / 1000)
            conn = self._connect()
            try:
                # Switching a new file to WAL needs it alone: SQLite refuses at once
                # (no busy wait) while another process does the same.
                with self._turn():
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
                conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
                self._migrate(conn)
            except BaseException:
                conn.close()  # a refused or failed migration must not leak the connection
                self._writer_lock.close()
                self._writer_lock = None
                raise
            return conn

        self._writer = await anyio.to_thread.run_sync(setup)
        self._readers = [
            await anyio.to_thread.run_sync(self._connect) for _ in range(self._reader_count)
        ]

    def _migrate(self, conn: sqlite3.Connection) -> None:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current > len(self._migrations):
            raise RuntimeError(
                f"{self.path}: database schema version {current} is newer than this Segue "
                f"knows ({len(self._migrations)}); upgrade Segue or restore a backup"
            )
        for migration in self._migrations[current:]:
            with self._turn():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if conn.execute("PRAGMA user_version").fetchone()[0] >= migration.version:
                        conn.execute("ROLLBACK")  # another process applied it meanwhile
                        continue
                    if isinstance(migration.apply, str):
                        for statement in _statements(migration.apply):
                            conn.execute(statement)
                    else:
                        migration.apply(conn)
                    conn.execute(f"PRAGMA user_version = {migration.version}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one transaction on the writer connection."""
        conn = self._require(self._writer)

        def run() -> T:
            with self._turn():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return result

        async with self._write_lock:
            return await anyio.to_thread.run_sync(run)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on one of the reader connections (a consistent snapshot)."""
        self._require(self._writer)  # closed: say so, rather than find no reader
        async with self._reader_slots:
            conn = self._readers.pop()
            try:

                def run() -> T:
                    conn.execute("BEGIN")
                    try:
                        return fn(conn)
                    finally:
                        conn.execute("COMMIT")

                return await anyio.to_thread.run_sync(run)
            finally:
                self._readers.append(conn)

    async def ping(self) -> None:
        """Raise unless the database is open and answers a query (for health checks)."""
        await self.read(_select_one)

    async def close(self) -> None:
        conns = [c for c in [self._writer, *self._readers] if c is not None]
        self._writer, self._readers = None, []
        for conn in conns:
            await anyio.to_thread.run_sync(conn.close)
        lock, self._writer_lock = self._writer_lock, None
        if lock is not None:
            lock.close()

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's turn to write (see :class:`WriterLock`); call on a worker thread."""
        lock = self._writer_lock
        if lock is None:
            raise RuntimeError(f"{self.path}: database is not open")
        lock.acquire()
        try:
            yield
        finally:
            lock.release()

    def _require(self, conn: sqlite3.Connection | None) -> sqlite3.Connection:
        if conn is None:
            raise RuntimeError(f"{self.path}: database is not open")
        return conn


def _select_one(conn: sqlite3.Connection) -> None:
    conn.execute("SELECT 1").fetchone()


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (sqlite3's executescript would COMMIT)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
