"""The garbage collector tuned for Segue's long-running processes.

* :func:`batch_friendly_collector` while consumers handle big batches
  (``segue worker``, and servers that run consumers);
* :class:`SurvivorFreezer` in ``segue serve``, for short pauses.

Short pauses for a server:

CPython's full collection walks every tracked object. A server holding a
thousand WebSockets keeps a few hundred thousand of them (each connection's
tasks, coroutines, queues and buffers), and a full pass over them stalled
every live message for 250-450 ms, several times a minute under load
(measured by ``tests/benchmarks/bench_presence.py``).

:class:`SurvivorFreezer` moves what survived each full collection into the
permanent generation (``gc.freeze()``), so the next full passes only walk
objects made since. Frozen objects are still freed by reference counting
as usual; only garbage *cycles* among them wait. To bound that memory,
once the frozen set has grown ``growth`` times past its size after the
last complete pass (and not sooner than ``min_interval_s`` after it, so a
burst of new connections costs one long pause, not one per doubling), it
is unfrozen and the next full collection walks everything once.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

OLDEST = 2
"""CPython's oldest generation: its collections are the full ones."""
GROWTH = 2.0
"""A complete pass happens once the frozen set is this many times its size after the last one."""
FLOOR = 200_000
"""Frozen objects below this count never trigger a complete pass (a young server grows fast)."""
MIN_INTERVAL_S = 600.0
"""Seconds between two complete passes at least."""
GC_YOUNG_THRESHOLD = 50_000
"""Allocations between the collector's young passes while consumers run (CPython's default: 700)."""


class SurvivorFreezer:
    """A ``gc.callbacks`` entry freezing full collections' survivors (see the module docstring)."""

    def __init__(
        self, growth: float = GROWTH, floor: int = FLOOR, min_interval_s: float = MIN_INTERVAL_S
    ) -> None:
        self.growth = growth
        self.floor = floor
        self.min_interval_s = min_interval_s
        self.last_complete = time.monotonic()
        self.baseline = 0
        """Objects frozen right after the last complete pass."""
        self.complete_passes = 0
        """Complete passes done (the heap unfrozen before them), for tests and logs."""
        self._next_is_complete = False

    def install(self) -> None:
        """Start freezing: what lives now (the loaded server) is frozen at once."""
        gc.collect()
        gc.freeze()
        self.baseline = gc.get_freeze_count()
        self.last_complete = time.monotonic()
        gc.callbacks.append(self)

    def uninstall(self) -> None:
        """Stop and give every frozen object back to the collector."""
        if self in gc.callbacks:
            gc.callbacks.remove(self)
        gc.unfreeze()

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info["generation"] != OLDEST:
            return
        # The collection is over: moving generations into the permanent one is safe here.
        gc.freeze()
        frozen = gc.get_freeze_count()
        if self._next_is_complete:
            self._next_is_complete = False
            self.complete_passes += 1
            self.baseline = frozen
            self.last_complete = time.monotonic()
        elif (
            frozen > max(self.baseline * self.growth, self.floor)
            and time.monotonic() - self.last_complete >= self.min_interval_s
        ):
            # Give everything back: the next full collection (soon, as the
            # collector counts it) walks it all once and frees frozen cycles.
            gc.unfreeze()
            self._next_is_complete = True


@contextmanager
def batch_friendly_collector() -> Iterator[None]:
    """Tune the garbage collector for consuming big batches; restore it afterwards.

    Everything loaded before the loop starts (modules, plugins, config) lives as
    long as the process: frozen, it is left out of the collector's full passes,
    which would otherwise walk it again and again while batches of thousands of
    events come and go (measured: a third of a worker's CPU). A higher first
    threshold makes the young passes rarer; they then find the same live batch once
    instead of many times.
    """
    _collector_users.append(gc.get_threshold())
    if len(_collector_users) == 1:  # the first loop of this process tunes it
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *_collector_users[0][1:])
    try:
        yield
    finally:
        thresholds = _collector_users.pop()
        if not _collector_users:  # the last one restores it
            gc.set_threshold(*thresholds)
            gc.unfreeze()


# The collector thresholds found by each consumer loop running in this process, outermost first.
_collector_users: list[tuple[int, ...]] = []
