"""Publishing the core's own events to the events slot."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from segue.events.builtin_jobs import PLAYBACK_TOPIC
from segue.models import PlaybackEvent

if TYPE_CHECKING:
    from segue.context import SegueContext


async def publish_playback(context: SegueContext, event: PlaybackEvent) -> None:
    """Record a playback report durably; the same report id published twice is one event."""
    await context.events.publish(PLAYBACK_TOPIC, msgspec.to_builtins(event), event_id=event.id)
