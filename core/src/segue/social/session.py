"""The server side of one live connection: what it listens to and what it may receive.

A :class:`LiveSession` subscribes to its user's channel and to the activity
channel of each current friend, re-syncs those when the friend list changes
(``friends.changed``), and passes each message through the privacy check at
delivery time (``ActivityService.deliverable``). The WebSocket handler
(``segue.api.ws``) sends what it yields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from segue.context import SegueContext
from segue.slots.presence import Subscription
from segue.social.activity import FRIENDS_CHANGED, activity_service
from segue.social.live import activity_channel, user_channel

PLAYER_COMMAND = "player.command"


class LiveSession:
    """Listens for one user (and, once registered, one of their devices)."""

    def __init__(self, context: SegueContext, user_id: str) -> None:
        self.context = context
        self.user_id = user_id
        self.device_id: str | None = None
        self._friend_channels: set[str] = set()
        self.service = activity_service(context)

    @asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Subscribe; yield the stream of messages this connection may receive."""
        async with self.service.presence.subscribe([user_channel(self.user_id)]) as subscription:
            await self._sync_friends(subscription)
            yield self._deliveries(subscription)

    async def _sync_friends(self, subscription: Subscription) -> None:
        friends = await self.context.catalog.list_friends(self.user_id)
        wanted = {activity_channel(f.user_id) for f in friends}
        current = self._friend_channels
        await subscription.remove(current - wanted)
        await subscription.add(wanted - current)
        self._friend_channels = wanted

    async def _deliveries(self, subscription: Subscription) -> AsyncIterator[dict[str, Any]]:
        async for channel, message in subscription:
            kind = str(message.get("type", ""))
            if kind == FRIENDS_CHANGED:
                await self._sync_friends(subscription)
            target = message.get("device_id")
            if kind.startswith(PLAYER_COMMAND) and target is not None and target != self.device_id:
                continue
            allowed = await self.service.deliverable(self.user_id, channel, message)
            if allowed is not None:
                yield allowed
