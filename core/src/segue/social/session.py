"""The server side of one live connection: what it listens to and what it may receive.

A :class:`LiveSession` subscribes to its user's channel and to the activity
channel of each current friend, re-syncs those when the friend list changes
(``friends.changed``), and passes each message through the privacy check at
delivery time. The check uses the session's own snapshot of the friend list
(with privacy settings) while the user's graph version has not moved
(``segue.social.feed_source``; one read of the presence store, no catalog
query per message). When only privacy moved (a friend's settings changed),
the subject's settings come from ``ActivityService.privacy_at``, read once
per change per process; when friendships moved, ``ActivityService.deliverable``
checks each message until the snapshot is renewed. The
WebSocket handler (``segue.api.ws``) sends what it yields.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from segue.context import SegueContext
from segue.slots.presence import Subscription
from segue.social.activity import ACTIVITY, FRIENDS_CHANGED, activity_service, may_see
from segue.social.feed_source import FRIENDSHIP_STEP, FeedSource
from segue.social.live import ACTIVITY_PREFIX, activity_channel, user_channel
from segue.social.models import Friend

PLAYER_COMMAND = "player.command"
RESYNC_AFTER_S = 1.0
"""After the graph version moved, messages are checked one by one this long before
the snapshot is read again."""


class LiveSession:
    """Listens for one user (and, once registered, one of their devices)."""

    def __init__(self, context: SegueContext, user_id: str) -> None:
        self.context = context
        self.user_id = user_id
        self.device_id: str | None = None
        self._friend_channels: set[str] = set()
        self.service = activity_service(context)
        presence = self.service.presence
        self._source = presence if isinstance(presence, FeedSource) else None
        self._friends: dict[str, Friend] = {}
        self._version: int | None = None
        """The graph version ``_friends`` is valid for (None: not known, check the catalog)."""
        self._stale_since: float | None = None

    @asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Subscribe; yield the stream of messages this connection may receive."""
        async with self.service.presence.subscribe([user_channel(self.user_id)]) as subscription:
            await self._sync_friends(subscription)
            yield self._deliveries(subscription)

    async def _sync_friends(self, subscription: Subscription) -> None:
        # Read before the catalog: a change in between leaves the snapshot marked stale.
        version = None if self._source is None else await self._source.graph_version(self.user_id)
        friends = await self.context.catalog.list_friends(self.user_id)
        self._friends = {f.user_id: f for f in friends}
        self._version = version
        self._stale_since = None
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
            allowed = await self._deliverable(subscription, channel, message)
            if allowed is not None:
                yield allowed

    async def _deliverable(
        self, subscription: Subscription, channel: str, message: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The message if this user may receive it now (see ``ActivityService.deliverable``)."""
        if message.get("type") != ACTIVITY or self._source is None or self._version is None:
            return await self.service.deliverable(self.user_id, channel, message)
        subject = channel.removeprefix(ACTIVITY_PREFIX)
        versions = await self._source.graph_versions([self.user_id, subject])
        if versions is None:
            return await self.service.deliverable(self.user_id, channel, message)
        current, subject_version = versions
        if current // FRIENDSHIP_STEP != self._version // FRIENDSHIP_STEP:
            # Friends changed. Both users notice at once: each checks this
            # message alone against the catalog and renews its whole snapshot
            # (a heavier read) only once things settle.
            moment = time.monotonic()
            if self._stale_since is None:
                self._stale_since = moment
            if moment - self._stale_since < RESYNC_AFTER_S:
                return await self.service.deliverable(self.user_id, channel, message)
            await self._sync_friends(subscription)
            if self._version is None or (
                self._version // FRIENDSHIP_STEP != current // FRIENDSHIP_STEP
            ):
                return await self.service.deliverable(self.user_id, channel, message)
        friend = self._friends.get(subject)
        if friend is None:
            return None
        privacy = friend.privacy
        if current != self._version:
            # Some friend's privacy changed since the snapshot: the subject's own
            # settings, read once per change in this process, decide.
            privacy = await self.service.privacy_at(subject, subject_version)
        return message if may_see(privacy, time.time()) else None
