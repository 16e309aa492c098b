"""Core plugin: the built-in consumers, and starting the consumer loop in the right processes.

The ``playback`` topic is turned into the ``playback_event`` hook here, so
that plugins follow playback without knowing about the events slot.
Consumers run in ``segue worker``, and in ``segue serve`` when
``[events] run_consumers_in_server`` is true (one box, no worker).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import anyio
import msgspec
import structlog

from segue.events.consumer import run_consumers
from segue.events.handlers import JobHandler
from segue.markers import hookimpl
from segue.models import PlaybackEvent
from segue.slots.events import Delivery

if TYPE_CHECKING:
    from segue.context import SegueContext

log = structlog.get_logger("segue.events")

PLAYBACK_TOPIC = "playback"
PLAYBACK_HOOKS_GROUP = "core.playback-hooks"
PLAYBACK_HOOKS_BATCH = 2000
"""Most playback events handed to the playback hooks per claim (and written to the
listening history in one transaction): as many as the royalty counter takes at once."""
DRAIN_TIMEOUT = 10.0
"""Seconds shutdown waits for the deliveries in hand to finish."""

# The running consumers of each context: their stop signal and "stopped" signal.
_running: WeakKeyDictionary[SegueContext, tuple[anyio.Event, anyio.Event]] = WeakKeyDictionary()


async def _playback_hooks(context: SegueContext, delivery: Delivery) -> None:
    await _playback_hooks_batch(context, [delivery])


async def _playback_hooks_batch(context: SegueContext, deliveries: Sequence[Delivery]) -> None:
    # One claim and one ack for the whole batch: bulk writers get the batch at
    # once, then per-report implementations get each report.
    events = [msgspec.convert(d.payload, PlaybackEvent) for d in deliveries]
    await context.notify("playback_events", events=events)
    if context.pm.hook.playback_event.get_hookimpls():
        for event in events:
            await context.notify("playback_event", event=event)


@hookimpl
def register_jobs(context: SegueContext) -> Sequence[JobHandler]:
    return [
        JobHandler(
            topic=PLAYBACK_TOPIC,
            group=PLAYBACK_HOOKS_GROUP,
            handle=_playback_hooks,
            handle_batch=_playback_hooks_batch,
            batch_size=PLAYBACK_HOOKS_BATCH,
        )
    ]


def runs_consumers(context: SegueContext) -> bool:
    """Whether this process consumes the events slot."""
    if context.role == "worker":
        return True
    return context.role == "server" and context.config.events.run_consumers_in_server


@hookimpl
def startup(context: SegueContext) -> None:
    if not runs_consumers(context):
        return
    handlers = [
        handler
        for _plugin, declared in context.collect("register_jobs")
        for handler in declared
        if isinstance(handler, JobHandler)
    ]
    if not handlers:
        return
    stop, stopped = anyio.Event(), anyio.Event()
    _running[context] = (stop, stopped)
    consumer = f"{context.role}-{socket.gethostname()}-{os.getpid()}"

    async def consume() -> None:
        try:
            await run_consumers(context, handlers, consumer=consumer, stop=stop)
        finally:
            stopped.set()

    context.spawn(consume, name="events consumers")


@hookimpl
async def shutdown(context: SegueContext) -> None:
    signals = _running.pop(context, None)
    if signals is None:
        return
    stop, stopped = signals
    stop.set()
    with anyio.move_on_after(DRAIN_TIMEOUT) as scope:
        await stopped.wait()
    if scope.cancelled_caught:
        log.warning("event handlers still busy at shutdown; their events will be redelivered")
