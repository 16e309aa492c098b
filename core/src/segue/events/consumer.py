"""The consumer loop: runs the job handlers plugins declare, against the events slot.

Each handler gets ``concurrency`` tasks. A task claims a batch for its
group, handles the deliveries one by one, acks each success (acks of one
batch go out together, so the events backend can commit them at once) and
reports each failure with ``fail`` so the backend retries it or, after
``max_attempts``, moves it to the dead letters. When nothing is waiting it
sleeps in ``events.wait`` until an event arrives or a short while passes
(retries and expired claims become due without any publish).

A handler with ``handle_batch`` gets each claimed batch at once; a backend
offering the optional ``ack_many(deliveries)`` then acks it in one call.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import anyio
import structlog
from anyio.abc import TaskGroup
from prometheus_client import Counter, Gauge

from segue.collector import batch_friendly_collector
from segue.events.handlers import JobHandler
from segue.slots.events import Delivery

if TYPE_CHECKING:
    from segue.context import SegueContext

log = structlog.get_logger("segue.events")

BATCH_SIZE = 32
IDLE_WAIT = 1.0
"""Longest sleep of an idle consumer: how late a retry or an expired claim may start."""
LAG_EVERY = 5.0
SUMMARY_EVERY = 10.0

EVENTS_LAG = Gauge(
    "segue_events_lag", "Events a consumer group has not handled yet.", ["topic", "group"]
)
EVENTS_PROCESSED = Counter(
    "segue_events_processed", "Deliveries handled and acknowledged.", ["topic", "group"]
)
EVENTS_FAILED = Counter(
    "segue_events_failed",
    "Deliveries whose handler raised (retried or dead-lettered).",
    ["topic", "group"],
)


async def run_consumers(
    context: SegueContext,
    handlers: Sequence[JobHandler],
    *,
    consumer: str,
    stop: anyio.Event | None = None,
) -> None:
    """Consume every handler's topic until ``stop`` is set (or the task is cancelled).

    ``consumer`` names this process in claims (e.g. ``worker-host-1234``).
    Once ``stop`` is set no new batch is claimed; deliveries already claimed
    are finished and acked, then this returns.
    """
    stop = stop or anyio.Event()
    tallies: dict[tuple[str, str], int] = {}
    for handler in handlers:
        log.info(
            "consuming",
            topic=handler.topic,
            group=handler.group,
            concurrency=handler.concurrency,
            consumer=consumer,
        )
    sleepers = _Sleepers()
    with batch_friendly_collector():
        async with anyio.create_task_group() as tg:

            async def watch_stop() -> None:
                await stop.wait()
                sleepers.wake_all()

            async def consume_all() -> None:
                async with anyio.create_task_group() as workers:
                    for handler in handlers:
                        for n in range(max(handler.concurrency, 1)):
                            name = f"{consumer}-{n}"
                            workers.start_soon(
                                _consume, context, handler, name, stop, sleepers, tallies
                            )
                tg.cancel_scope.cancel()  # every consumer is done: stop the helpers too

            tg.start_soon(watch_stop)
            tg.start_soon(_report, context, handlers, tallies)
            tg.start_soon(consume_all)
    _log_tallies(tallies)


class _Sleepers:
    """The idle waits in progress, so that a stop request ends them at once."""

    def __init__(self) -> None:
        self._scopes: set[anyio.CancelScope] = set()
        self._woken = False

    @contextmanager
    def sleeping(self) -> Iterator[None]:
        with anyio.CancelScope() as scope:
            if self._woken:
                scope.cancel()
            self._scopes.add(scope)
            try:
                yield
            finally:
                self._scopes.discard(scope)

    def wake_all(self) -> None:
        self._woken = True
        for scope in self._scopes:
            scope.cancel()


async def _consume(
    context: SegueContext,
    handler: JobHandler,
    consumer: str,
    stop: anyio.Event,
    sleepers: _Sleepers,
    tallies: dict[tuple[str, str], int],
) -> None:
    events = context.events
    batch = _BatchSize(handler.claim_timeout, handler.batch_size)
    while not stop.is_set():
        try:
            deliveries = await events.claim(
                handler.topic,
                handler.group,
                consumer,
                limit=batch.size,
                claim_timeout=handler.claim_timeout,
            )
        except Exception as exc:
            log.error(
                "claiming events failed", topic=handler.topic, group=handler.group, error=repr(exc)
            )
            deliveries = []
        if not deliveries:
            with sleepers.sleeping():
                await events.wait(handler.topic, within=IDLE_WAIT)
            continue
        claimed_at = time.monotonic()
        async with anyio.create_task_group() as acks:
            if handler.handle_batch is not None and len(deliveries) > 1:
                handled = await _handle_as_batch(context, handler, deliveries, acks, tallies)
            else:
                handled = await _handle_each(context, handler, deliveries, acks, tallies)
        batch.record(handled, time.monotonic() - claimed_at)


async def _handle_each(
    context: SegueContext,
    handler: JobHandler,
    deliveries: Sequence[Delivery],
    acks: TaskGroup,
    tallies: dict[tuple[str, str], int],
) -> int:
    """Handle deliveries one at a time, acking each success; the number handled."""
    claimed_at, handled = time.monotonic(), 0
    for delivery in deliveries:
        if time.monotonic() - claimed_at > handler.claim_timeout:
            # The rest of the batch was handed out again meanwhile; leave it.
            break
        handled += 1
        if await _handle(context, handler, delivery):
            acks.start_soon(_ack, context, delivery)
            key = (handler.topic, handler.group)
            tallies[key] = tallies.get(key, 0) + 1
    return handled


async def _handle_as_batch(
    context: SegueContext,
    handler: JobHandler,
    deliveries: Sequence[Delivery],
    acks: TaskGroup,
    tallies: dict[tuple[str, str], int],
) -> int:
    """Give the whole batch to ``handle_batch``; if it raises, fall back to one at a time."""
    assert handler.handle_batch is not None
    fresh: list[Delivery] = []
    for delivery in deliveries:
        if delivery.attempt > handler.max_attempts:
            await _handle(context, handler, delivery)  # gives up on it
        else:
            fresh.append(delivery)
    if not fresh:
        return len(deliveries)
    try:
        await handler.handle_batch(context, fresh)
    except Exception as exc:
        log.warning(
            "batch handler failed; handling the batch one event at a time",
            topic=handler.topic,
            group=handler.group,
            size=len(fresh),
            error=f"{type(exc).__name__}: {exc}",
        )
        return (
            len(deliveries)
            - len(fresh)
            + await _handle_each(context, handler, fresh, acks, tallies)
        )
    EVENTS_PROCESSED.labels(handler.topic, handler.group).inc(len(fresh))
    if callable(getattr(context.events, "ack_many", None)):
        acks.start_soon(_ack_many, context, fresh)
    else:
        for delivery in fresh:
            acks.start_soon(_ack, context, delivery)
    key = (handler.topic, handler.group)
    tallies[key] = tallies.get(key, 0) + len(fresh)
    return len(deliveries)


class _BatchSize:
    """How many deliveries to claim at once: many for quick handlers, one for slow ones.

    A batch must be handled well within ``claim_timeout``, or its tail would be
    handed to another consumer while this one still holds it.
    """

    def __init__(self, claim_timeout: float, most: int = BATCH_SIZE) -> None:
        self._budget = claim_timeout / 4
        self._most = max(1, most)
        self.size = 1
        self._seconds_each: float | None = None

    def record(self, handled: int, seconds: float) -> None:
        each = seconds / max(handled, 1)
        previous = self._seconds_each
        self._seconds_each = each if previous is None else 0.7 * previous + 0.3 * each
        fits = int(self._budget / max(self._seconds_each, 1e-6))
        self.size = max(1, min(self._most, fits))


async def _handle(context: SegueContext, handler: JobHandler, delivery: Delivery) -> bool:
    """Run the handler once; on failure tell the backend and return False."""
    labels = (handler.topic, handler.group)
    if delivery.attempt > handler.max_attempts:
        # Claimed again and again without an answer: its handler keeps crashing the process
        # or outlives claim_timeout. Give up instead of looping forever.
        error = f"delivered {delivery.attempt - 1} times without being acknowledged in time"
        await context.events.fail(delivery, error, max_attempts=delivery.attempt)
        EVENTS_FAILED.labels(*labels).inc()
        log.error("giving up on event", **_describe(delivery), error=error)
        return False
    try:
        await handler.handle(context, delivery)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        EVENTS_FAILED.labels(*labels).inc()
        dead = delivery.attempt >= handler.max_attempts
        log.warning(
            "event handler failed" + (", dead-lettered" if dead else ", will retry"),
            **_describe(delivery),
            error=error,
            exc_info=exc,
        )
        try:
            await context.events.fail(delivery, error, max_attempts=handler.max_attempts)
        except Exception as fail_exc:  # the claim will expire and the event come back
            log.error("recording a failure failed", **_describe(delivery), error=repr(fail_exc))
        return False
    EVENTS_PROCESSED.labels(*labels).inc()
    log.debug("event handled", **_describe(delivery))
    return True


async def _ack(context: SegueContext, delivery: Delivery) -> None:
    try:
        await context.events.ack(delivery)
    except Exception as exc:  # not fatal: the claim expires and the event comes back
        log.error("acknowledging an event failed", **_describe(delivery), error=repr(exc))


async def _ack_many(context: SegueContext, deliveries: Sequence[Delivery]) -> None:
    """Ack a handled batch at once, with the backend's optional ``ack_many``."""
    try:
        await context.events.ack_many(deliveries)  # type: ignore[attr-defined]
    except Exception as exc:  # not fatal: the claims expire and the events come back
        log.error(
            "acknowledging a batch failed",
            topic=deliveries[0].topic,
            group=deliveries[0].group,
            size=len(deliveries),
            error=repr(exc),
        )


async def _report(
    context: SegueContext,
    handlers: Sequence[JobHandler],
    tallies: dict[tuple[str, str], int],
) -> None:
    """Export each group's lag, and say now and then what was consumed."""
    groups = sorted({(h.topic, h.group) for h in handlers})
    last_summary = time.monotonic()
    while True:
        for topic, group in groups:
            try:
                EVENTS_LAG.labels(topic, group).set(await context.events.lag(topic, group))
            except Exception as exc:
                log.warning("reading events lag failed", topic=topic, group=group, error=repr(exc))
        if time.monotonic() - last_summary >= SUMMARY_EVERY:
            _log_tallies(tallies)
            last_summary = time.monotonic()
        await anyio.sleep(LAG_EVERY)


def _log_tallies(tallies: dict[tuple[str, str], int]) -> None:
    for (topic, group), count in sorted(tallies.items()):
        if count:
            log.info("consumed events", topic=topic, group=group, count=count)
    tallies.clear()


def _describe(delivery: Delivery) -> dict[str, object]:
    return {
        "topic": delivery.topic,
        "group": delivery.group,
        "event_id": delivery.event_id,
        "attempt": delivery.attempt,
    }
