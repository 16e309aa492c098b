"""The consumer loop, the built-in playback consumer and the register_jobs / playback_event hooks."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from prometheus_client import REGISTRY

import segue
from segue.context import SegueContext
from segue.events.consumer import run_consumers
from segue.events.handlers import JobHandler
from segue.events.publish import publish_playback
from segue.models import PlaybackEvent
from segue.runtime import open_context
from segue.slots.events import Delivery

pytestmark = pytest.mark.anyio

Overrides = Callable[..., dict[str, Any]]


def playback(event_id: str = "pb-1") -> PlaybackEvent:
    return PlaybackEvent(
        id=event_id,
        user_id="u1",
        track_id="t1",
        duration_listened_ms=183_000,
        completed=True,
        device_id="phone",
        session_id="s1",
        quality="high",
        context="album:a1",
        reported_at=time.time(),
    )


async def eventually(check: Any, within: float = 10.0) -> None:
    """Wait until ``check()`` is true, failing after ``within`` seconds.

    Polls: the state is changed by consumer tasks that signal nothing.
    """
    with anyio.fail_after(within):
        while not check():  # noqa: ASYNC110
            await anyio.sleep(0.01)


def sample(name: str, topic: str, group: str) -> float:
    return REGISTRY.get_sample_value(name, {"topic": topic, "group": group}) or 0.0


async def test_run_consumers_handles_retries_and_dead_letters(overrides: Overrides) -> None:
    handled: list[tuple[str, int]] = []
    stop = anyio.Event()

    async def flaky(context: SegueContext, delivery: Delivery) -> None:
        # "twice-bad" fails on its first two attempts, "poison" always.
        kind = delivery.payload["kind"]
        if kind == "poison" or (kind == "twice-bad" and delivery.attempt < 3):
            raise RuntimeError(f"cannot handle {kind}")
        handled.append((kind, delivery.attempt))

    handler = JobHandler(topic="t.e2e", group="g.e2e", handle=flaky, concurrency=3)
    processed_before = sample("segue_events_processed_total", "t.e2e", "g.e2e")
    failed_before = sample("segue_events_failed_total", "t.e2e", "g.e2e")

    async with open_context(None, overrides=overrides()) as context:
        for n in range(20):
            await context.events.publish("t.e2e", {"kind": "ok", "n": n})
        await context.events.publish("t.e2e", {"kind": "twice-bad"})
        await context.events.publish("t.e2e", {"kind": "poison"})
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: run_consumers(context, [handler], consumer="test", stop=stop))
            await eventually(lambda: len(handled) == 21)
            await eventually(
                lambda: sample("segue_events_failed_total", "t.e2e", "g.e2e") - failed_before == 5
            )
            stop.set()  # run_consumers returns by itself once stopped
        lag = await context.events.lag("t.e2e", "g.e2e")
        dead = await context.events.dead_letters("t.e2e")

    assert sorted(k for k, _ in handled) == ["ok"] * 20 + ["twice-bad"]
    assert ("twice-bad", 3) in handled
    assert lag == 0
    assert [(d.payload, d.attempts, d.last_error) for d in dead] == [
        ({"kind": "poison"}, 3, "RuntimeError: cannot handle poison")
    ]
    assert sample("segue_events_processed_total", "t.e2e", "g.e2e") - processed_before == 21
    assert sample("segue_events_lag", "t.e2e", "g.e2e") >= 0


async def test_run_consumers_exports_the_lag_gauge(overrides: Overrides) -> None:
    release = anyio.Event()
    stop = anyio.Event()

    async def blocked(context: SegueContext, delivery: Delivery) -> None:
        await release.wait()

    handler = JobHandler(topic="t.lag", group="g.lag", handle=blocked)
    async with open_context(None, overrides=overrides()) as context:
        for n in range(4):
            await context.events.publish("t.lag", {"n": n})
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: run_consumers(context, [handler], consumer="test", stop=stop))
            await eventually(lambda: sample("segue_events_lag", "t.lag", "g.lag") == 4)
            release.set()
            with anyio.fail_after(10):
                while await context.events.lag("t.lag", "g.lag"):  # noqa: ASYNC110
                    await anyio.sleep(0.01)
            stop.set()


async def test_stop_finishes_the_delivery_in_hand(overrides: Overrides) -> None:
    started, finished = anyio.Event(), anyio.Event()
    stop = anyio.Event()

    async def slow(context: SegueContext, delivery: Delivery) -> None:
        started.set()
        await anyio.sleep(0.2)
        finished.set()

    handler = JobHandler(topic="t.stop", group="g.stop", handle=slow)
    async with open_context(None, overrides=overrides()) as context:
        await context.events.publish("t.stop", {"n": 1})
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: run_consumers(context, [handler], consumer="test", stop=stop))
            await started.wait()
            stop.set()
        assert finished.is_set()
        assert await context.events.lag("t.stop", "g.stop") == 0


class JobsRecorder:
    """A test plugin declaring a job on topic "test.jobs" and recording what it gets."""

    def __init__(self) -> None:
        self.calls: list[SegueContext] = []
        self.handled: list[dict[str, Any]] = []

    @segue.hookimpl
    def register_jobs(self, context: SegueContext) -> Sequence[JobHandler]:
        self.calls.append(context)
        return [JobHandler(topic="test.jobs", group="test.recorder", handle=self.handle)]

    async def handle(self, context: SegueContext, delivery: Delivery) -> None:
        self.handled.append(delivery.payload)


async def test_hook_register_jobs(overrides: Overrides) -> None:
    recorder = JobsRecorder()
    async with open_context(
        None, overrides=overrides(), extra_plugins=[("recorder", recorder)], role="worker"
    ) as context:
        await context.events.publish("test.jobs", {"job": "index", "id": 7})
        await eventually(lambda: recorder.handled == [{"job": "index", "id": 7}])

    assert recorder.calls == [context]


async def test_jobs_published_before_the_consumers_started_are_handled(
    overrides: Overrides,
) -> None:
    async with open_context(None, overrides=overrides(), role="cli") as context:
        await context.events.publish("test.jobs", {"early": True})

    recorder = JobsRecorder()
    async with open_context(
        None, overrides=overrides(), extra_plugins=[("recorder", recorder)], role="worker"
    ):
        await eventually(lambda: recorder.handled == [{"early": True}])


@pytest.mark.parametrize(
    ("role", "in_server", "consumes"),
    [
        ("worker", False, True),
        ("server", True, True),
        ("server", False, False),
        ("cli", True, False),
    ],
)
async def test_consumers_run_only_in_the_right_processes(
    overrides: Overrides, role: Any, in_server: bool, consumes: bool
) -> None:
    recorder = JobsRecorder()
    async with open_context(
        None,
        overrides=overrides(
            **{"events.backend": "sqlite", "events.run_consumers_in_server": in_server}
        ),
        extra_plugins=[("recorder", recorder)],
        role=role,
    ) as context:
        await context.events.publish("test.jobs", {"n": 1})
        if consumes:
            await eventually(lambda: recorder.handled == [{"n": 1}])
        else:
            await anyio.sleep(0.3)
            assert recorder.handled == []
            assert await context.events.lag("test.jobs", "test.recorder") == 1


class PlaybackRecorder:
    """A test plugin recording playback_event calls (async, as plugins may be)."""

    def __init__(self) -> None:
        self.events: list[PlaybackEvent] = []

    @segue.hookimpl
    async def playback_event(self, context: SegueContext, event: PlaybackEvent) -> None:
        await anyio.lowlevel.checkpoint()
        self.events.append(event)


async def test_hook_playback_event(overrides: Overrides) -> None:
    recorder = PlaybackRecorder()
    event = playback("pb-42")
    async with open_context(
        None, overrides=overrides(), extra_plugins=[("recorder", recorder)], role="worker"
    ) as context:
        await publish_playback(context, event)
        await publish_playback(context, event)  # the same report twice is one event
        await eventually(lambda: len(recorder.events) == 1)
        await anyio.sleep(0.2)
        lag = await context.events.lag("playback", "core.playback-hooks")

    assert recorder.events == [event]
    assert lag == 0


class BatchRecorder:
    """A test plugin recording the batches handed to playback_events."""

    def __init__(self) -> None:
        self.batches: list[list[PlaybackEvent]] = []

    @segue.hookimpl
    async def playback_events(self, context: SegueContext, events: Sequence[PlaybackEvent]) -> None:
        await anyio.lowlevel.checkpoint()
        self.batches.append(list(events))


async def test_hook_playback_events(overrides: Overrides) -> None:
    batches, single = BatchRecorder(), PlaybackRecorder()
    events = [playback(f"pb-batch-{n}") for n in range(6)]
    async with open_context(
        None,
        overrides=overrides(),
        extra_plugins=[("batches", batches), ("single", single)],
        role="worker",
    ) as context:
        for event in events:
            await publish_playback(context, event)
        await publish_playback(context, events[0])  # a repeated report is not a new event
        await eventually(lambda: sum(len(b) for b in batches.batches) == len(events))
        await eventually(lambda: len(single.events) == len(events))

    # Every report reaches the batch hook once, in stream order, and then the per-report hook.
    assert [e for batch in batches.batches for e in batch] == events
    assert single.events == events


async def test_a_failing_playback_plugin_does_not_block_the_others(overrides: Overrides) -> None:
    class Broken:
        @segue.hookimpl
        def playback_event(self, context: SegueContext, event: PlaybackEvent) -> None:
            raise RuntimeError("broken plugin")

    recorder = PlaybackRecorder()
    async with open_context(
        None,
        overrides=overrides(),
        extra_plugins=[("broken", Broken()), ("recorder", recorder)],
        role="worker",
    ) as context:
        await publish_playback(context, playback("pb-7"))
        await eventually(lambda: [e.id for e in recorder.events] == ["pb-7"])
