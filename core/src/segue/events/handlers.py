"""JobHandler: what a plugin returns from ``register_jobs``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from segue.slots.events import Delivery

if TYPE_CHECKING:
    from segue.context import SegueContext


@dataclass(frozen=True, kw_only=True)
class JobHandler:
    """Consume ``topic`` as consumer group ``group``.

    ``handle`` must be idempotent: after a crash the same delivery can come
    again. Raising marks the attempt failed; after ``max_attempts`` the event
    goes to the dead letters with the error.
    """

    topic: str
    group: str
    handle: Callable[[SegueContext, Delivery], Awaitable[None]]
    concurrency: int = 1
    max_attempts: int = 3
    claim_timeout: float = 60.0
    """Seconds before an unacknowledged delivery is handed out again."""
    handle_batch: Callable[[SegueContext, Sequence[Delivery]], Awaitable[None]] | None = None
    """Optional: handle a whole claimed batch at once (e.g. in one transaction).

    When set, the consumer loop passes each claimed batch here and acks it all
    on success. If it raises, the batch is handled again one delivery at a
    time with ``handle``, so one bad event only fails itself.
    """
    batch_size: int = 32
    """Most deliveries claimed at once (the loop claims fewer for slow handlers)."""
