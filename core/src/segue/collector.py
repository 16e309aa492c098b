"""Short garbage-collector pauses for a long-running server.

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
from typing import Any

OLDEST = 2
"""CPython's oldest generation: its collections are the full ones."""
GROWTH = 2.0
"""A complete pass happens once the frozen set is this many times its size after the last one."""
FLOOR = 200_000
"""Frozen objects below this count never trigger a complete pass (a young server grows fast)."""
MIN_INTERVAL_S = 600.0
"""Seconds between two complete passes at least."""


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
