"""The consumer loop tunes the garbage collector while it runs, and puts it back."""

from __future__ import annotations

import gc

from segue.collector import GC_YOUNG_THRESHOLD, batch_friendly_collector


def test_collector_tuned_while_consuming_and_restored_after() -> None:
    before = gc.get_threshold()
    with batch_friendly_collector():
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0  # start-up objects are out of the full passes
        with batch_friendly_collector():  # a second loop in the same process
            assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        # The inner loop ending leaves the outer one tuned.
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
