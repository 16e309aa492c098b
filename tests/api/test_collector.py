"""segue.collector.SurvivorFreezer: full collections' survivors are frozen, cycles are freed later."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from segue.collector import SurvivorFreezer


class Node:
    """A cycle-capable object the collector tracks (and weakref can watch)."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def freezer() -> Iterator[SurvivorFreezer]:
    freezer = SurvivorFreezer(growth=2.0, floor=0, min_interval_s=0.0)
    freezer.install()
    try:
        yield freezer
    finally:
        freezer.uninstall()


def cycle() -> tuple[Node, weakref.ref[Node]]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a, weakref.ref(b)


def test_install_freezes_what_lives_and_uninstall_gives_it_back(freezer: SurvivorFreezer) -> None:
    assert freezer.baseline > 0
    assert gc.get_freeze_count() > 0
    freezer.uninstall()
    assert gc.get_freeze_count() == 0
    assert freezer not in gc.callbacks


def test_survivors_of_a_full_collection_are_frozen(freezer: SurvivorFreezer) -> None:
    kept = [Node() for _ in range(1_000)]
    before = gc.get_freeze_count()
    gc.collect()
    assert gc.get_freeze_count() >= before + len(kept)


def test_a_young_collection_freezes_nothing(freezer: SurvivorFreezer) -> None:
    before = gc.get_freeze_count()
    kept = [Node() for _ in range(1_000)]
    gc.collect(0)
    assert gc.get_freeze_count() == before
    assert kept


def test_frozen_garbage_cycles_are_freed_by_the_next_complete_pass(
    freezer: SurvivorFreezer,
) -> None:
    head, watch = cycle()
    gc.collect()  # the cycle survives (still referenced) and is frozen
    del head  # now garbage, but frozen: ordinary full passes skip it
    freezer.growth = 1e9  # no complete pass yet
    gc.collect()
    assert watch() is not None
    # Growth past the limit: the next full pass gives everything back, the one after walks it all.
    freezer.growth, freezer.baseline = 1.0, 0
    gc.collect()
    assert watch() is not None  # this pass only decided to unfreeze
    passes = freezer.complete_passes
    gc.collect()
    assert watch() is None
    assert freezer.complete_passes == passes + 1
    assert freezer.baseline > 0  # and it starts over from what survived


def test_complete_passes_wait_for_the_minimum_interval(freezer: SurvivorFreezer) -> None:
    head, watch = cycle()
    gc.collect()
    del head
    freezer.growth, freezer.baseline, freezer.min_interval_s = 1.0, 0, 3600.0
    gc.collect()
    gc.collect()
    assert watch() is not None
    assert freezer.complete_passes == 0
