"""JobHandler: what a plugin returns from ``register_jobs``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
