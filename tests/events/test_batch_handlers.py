"""JobHandler.handle_batch: whole batches at once, and one at a time when a batch fails."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

from segue.context import SegueContext
from segue.events.consumer import run_consumers
from segue.events.handlers import JobHandler
from segue.runtime import open_context
from segue.slots.events import Delivery

pytestmark = pytest.mark.anyio


async def run_until_drained(context: SegueContext, handler: JobHandler) -> None:
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: run_consumers(context, [handler], consumer="t", stop=stop))
        with anyio.fail_after(20):
            while await context.events.lag(handler.topic, handler.group):  # noqa: ASYNC110
                await anyio.sleep(0.02)
        stop.set()


async def test_batches_are_handled_whole_and_acked(
    tmp_path: Path, selected_backend: dict[str, Any]
) -> None:
    overrides: dict[str, Any] = {
        "server.data_dir": str(tmp_path / "data"),
        "plugins.events-sqlite.retry_delay": 0,
        **selected_backend,
    }
    batches: list[list[int]] = []
    singles: list[int] = []

    async def handle(_context: SegueContext, delivery: Delivery) -> None:
        singles.append(delivery.payload["n"])

    async def handle_batch(_context: SegueContext, deliveries: Sequence[Delivery]) -> None:
        batches.append([d.payload["n"] for d in deliveries])

    async with open_context(None, overrides=overrides) as context:
        for n in range(120):
            await context.events.publish("jobs", {"n": n})
        handler = JobHandler(
            topic="jobs", group="g", handle=handle, handle_batch=handle_batch, batch_size=50
        )
        await run_until_drained(context, handler)

    handled = [n for batch in batches for n in batch] + singles
    assert sorted(handled) == list(range(120))  # each event once
    assert max(len(b) for b in batches) == 50  # batches grow to batch_size, not beyond
    assert len(batches) < 120


async def test_a_failing_batch_falls_back_to_one_at_a_time(
    tmp_path: Path, selected_backend: dict[str, Any]
) -> None:
    overrides: dict[str, Any] = {
        "server.data_dir": str(tmp_path / "data"),
        "plugins.events-sqlite.retry_delay": 0,
        **selected_backend,
    }
    handled: list[int] = []

    async def handle(_context: SegueContext, delivery: Delivery) -> None:
        if delivery.payload["n"] == 7:
            raise ValueError("poison")
        handled.append(delivery.payload["n"])

    async def handle_batch(context: SegueContext, deliveries: Sequence[Delivery]) -> None:
        if any(d.payload["n"] == 7 for d in deliveries):
            raise ValueError("poison in the batch")
        for delivery in deliveries:
            await handle(context, delivery)

    async with open_context(None, overrides=overrides) as context:
        for n in range(20):
            await context.events.publish("jobs", {"n": n})
        handler = JobHandler(
            topic="jobs", group="g", handle=handle, handle_batch=handle_batch, max_attempts=2
        )
        await run_until_drained(context, handler)
        dead = await context.events.dead_letters("jobs")

    assert sorted(set(handled)) == [n for n in range(20) if n != 7]
    assert [(d.payload["n"], d.attempts, d.last_error) for d in dead] == [
        (7, 2, "ValueError: poison")
    ]
