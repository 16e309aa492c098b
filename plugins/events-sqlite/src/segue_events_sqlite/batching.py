"""Group commit: concurrent small writes share one SQLite transaction.

A transaction costs a thread hop and a WAL append whatever its size, so a
busy queue (thousands of publishes and acks a second) spends its time on
commits. Here the first writer to arrive becomes the leader and commits
every operation queued meanwhile in one transaction; each operation runs in
its own SAVEPOINT, so one failing operation is undone alone and its error
goes back to its own caller.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

import anyio

from segue.db.sqlite import AsyncSQLite

T = TypeVar("T")

_UNSET: Any = object()


class _Operation(Generic[T]):
    __slots__ = ("error", "fn", "result", "wakeup")

    def __init__(self, fn: Callable[[sqlite3.Connection], T]) -> None:
        self.fn = fn
        self.result: T = _UNSET
        self.error: BaseException | None = None
        self.wakeup = anyio.Event()
        """Set when the operation finished, or when its caller should lead."""

    @property
    def finished(self) -> bool:
        return self.error is not None or self.result is not _UNSET


class WriteBatcher:
    """Runs write operations on ``db``, many per transaction when they arrive together."""

    def __init__(self, db: AsyncSQLite, *, max_batch: int = 500) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: list[_Operation[Any]] = []
        self._leading = False

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` atomically in a write transaction and return its result."""
        operation: _Operation[T] = _Operation(fn)
        self._queue.append(operation)
        try:
            while not operation.finished:
                if self._leading:
                    await operation.wakeup.wait()
                    operation.wakeup = anyio.Event()
                else:
                    await self._lead()
        except BaseException:
            # Cancelled before a leader took it: drop it rather than run it unseen.
            if operation in self._queue:
                self._queue.remove(operation)
                if not self._leading and self._queue:  # it may have been next in line
                    self._queue[0].wakeup.set()
            raise
        if operation.error is not None:
            raise operation.error
        return operation.result

    async def _lead(self) -> None:
        self._leading = True
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                try:
                    # The thread cannot be interrupted anyway; shielding keeps its
                    # outcome, which the other operations' callers are waiting for.
                    with anyio.CancelScope(shield=True):
                        outcomes = await self._db.write(partial(_run_all, batch=batch))
                except Exception as exc:  # the transaction failed: nothing committed
                    outcomes = [(_UNSET, exc)] * len(batch)
                for operation, (result, error) in zip(batch, outcomes, strict=True):
                    operation.result, operation.error = result, error
                    operation.wakeup.set()
        finally:
            self._leading = False
            if self._queue:  # left early (cancelled): the next in line takes over
                self._queue[0].wakeup.set()


def _run_all(
    conn: sqlite3.Connection, *, batch: list[_Operation[Any]]
) -> list[tuple[Any, Exception | None]]:
    outcomes: list[tuple[Any, Exception | None]] = []
    for operation in batch:
        conn.execute("SAVEPOINT operation")
        try:
            result = operation.fn(conn)
        except Exception as exc:
            conn.execute("ROLLBACK TO operation")
            conn.execute("RELEASE operation")
            outcomes.append((_UNSET, exc))
            continue
        conn.execute("RELEASE operation")
        outcomes.append((result, None))
    return outcomes
