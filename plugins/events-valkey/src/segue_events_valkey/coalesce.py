"""Coalescing: many concurrent small commands go to Valkey as one pipeline.

A round trip costs far more than a command, so when hundreds of acks or
publishes arrive together, the first caller becomes the leader and sends
everything queued meanwhile at once; the others wait for their batch's
outcome (an error reaches every caller of the failed batch).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import anyio
import anyio.lowlevel

T = TypeVar("T")
R = TypeVar("R")


class _Batch(Generic[T, R]):
    def __init__(self) -> None:
        self.items: list[T] = []
        self.results: Sequence[R] = ()
        self.error: BaseException | None = None
        self.done = anyio.Event()


class Coalescer(Generic[T, R]):
    """Runs ``flush(items) -> results`` for whatever was submitted together."""

    def __init__(
        self, flush: Callable[[list[T]], Awaitable[Sequence[R]]], *, most: int = 2000
    ) -> None:
        self._flush = flush
        self._most = most
        self._queue: list[_Batch[T, R]] = []
        self._leading = False

    async def submit(self, item: T) -> R:
        if not self._queue or len(self._queue[-1].items) >= self._most:
            self._queue.append(_Batch())
        batch = self._queue[-1]
        index = len(batch.items)
        batch.items.append(item)
        if self._leading:
            await batch.done.wait()
        else:
            await self._lead()
        if batch.error is not None:
            raise batch.error
        return batch.results[index]

    async def _lead(self) -> None:
        # Shielded: the other callers wait for the leader, so it must not stop halfway.
        with anyio.CancelScope(shield=True):
            self._leading = True
            try:
                # Let the callers scheduled alongside this one join the batch.
                await anyio.lowlevel.checkpoint()
                while self._queue:
                    batch = self._queue.pop(0)
                    try:
                        batch.results = await self._flush(batch.items)
                    except Exception as exc:
                        batch.error = exc
                    batch.done.set()
            finally:
                self._leading = False
