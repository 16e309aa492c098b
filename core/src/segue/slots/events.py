"""The events slot: a durable queue of events and jobs with consumer groups."""

from collections.abc import Mapping
from typing import Any, Protocol

import msgspec

from segue.slots.base import Backend


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One event handed to one consumer group."""

    event_id: str
    topic: str
    group: str
    payload: dict[str, Any]
    attempt: int
    """1 on the first delivery, 2 after one failure or expired claim..."""
    published_at: float


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    topic: str
    group: str
    payload: dict[str, Any]
    attempts: int
    last_error: str


class EventsBackend(Backend, Protocol):
    """Durable events and jobs. Default: ``sqlite`` (plugin events-sqlite).

    Semantics follow Valkey Streams consumer groups so that the scale-out
    backend is a drop-in: every group sees every event of a topic, each event
    is delivered to one consumer of a group at a time, a delivery not acked
    within ``claim_timeout`` is delivered again, and after ``max_attempts``
    failures it moves to the dead letters with its last error.
    """

    async def publish(
        self, topic: str, payload: Mapping[str, Any], *, event_id: str | None = None
    ) -> str:
        """Store an event durably and return its id.

        Publishing an ``event_id`` that exists already changes nothing (the
        same report sent twice is one event).
        """
        ...

    async def claim(
        self,
        topic: str,
        group: str,
        consumer: str,
        *,
        limit: int = 10,
        claim_timeout: float = 60.0,
    ) -> list[Delivery]:
        """Take up to ``limit`` deliveries for ``group``: new ones and expired claims."""
        ...

    async def ack(self, delivery: Delivery) -> None:
        """The group handled the event; it will not be delivered again."""
        ...

    async def fail(self, delivery: Delivery, error: str, *, max_attempts: int = 3) -> None:
        """The handler failed: retry later, or dead-letter after ``max_attempts``."""
        ...

    async def wait(self, topic: str, within: float) -> None:
        """Return when new events may be waiting on ``topic``, or after ``within`` seconds."""
        ...

    async def lag(self, topic: str, group: str) -> int:
        """Events of ``topic`` the group has not handled yet."""
        ...

    async def dead_letters(
        self, topic: str | None = None, limit: int = 100
    ) -> list[DeadLetter]: ...
