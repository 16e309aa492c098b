"""In-process fan-out of channel messages to subscriptions (used by presence backends).

A backend hands every message it receives (published locally, or read from
Valkey pub/sub) to ``Hub.deliver``; the hub copies it into the queue of each
local subscription of that channel. ``on_first``/``on_last`` tell a backend
when a channel gains its first or loses its last local listener, so that it
subscribes upstream only to channels someone here listens to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import structlog
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from segue.slots.presence import Message

log = structlog.get_logger("segue.presence")

ChannelsChanged = Callable[[list[str]], Awaitable[None]]

# A socket that stops reading must not grow memory without bound: past this
# many waiting messages, new ones for it are dropped (and logged).
QUEUE_SIZE = 1000


async def _nothing(_channels: list[str]) -> None:
    return None


class HubSubscription:
    """One listener: its channels and its queue (see :class:`segue.slots.presence.Subscription`)."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self.channels: set[str] = set()
        self._send: MemoryObjectSendStream[Message]
        self._receive: MemoryObjectReceiveStream[Message]
        self._send, self._receive = anyio.create_memory_object_stream[Message](QUEUE_SIZE)

    async def add(self, channels: Iterable[str]) -> None:
        await self._hub.add(self, channels)

    async def remove(self, channels: Iterable[str]) -> None:
        await self._hub.remove(self, channels)

    def put(self, message: Message) -> None:
        try:
            self._send.send_nowait(message)
        except anyio.WouldBlock:
            log.warning("subscriber too slow: message dropped", channel=message[0])
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass

    async def __aiter__(self) -> AsyncIterator[Message]:
        receive = self._receive
        while True:
            # Waiting messages are taken without a trip through the event loop
            # each (a burst reaches hundreds of subscriptions at once).
            try:
                message = receive.receive_nowait()
            except anyio.WouldBlock:
                try:
                    message = await receive.receive()
                except anyio.EndOfStream:
                    return
            except anyio.EndOfStream:
                return
            yield message

    def close(self) -> None:
        self._send.close()
        self._receive.close()


class Hub:
    """Channel -> local subscriptions, with callbacks when a channel gains/loses listeners."""

    def __init__(
        self, on_first: ChannelsChanged = _nothing, on_last: ChannelsChanged = _nothing
    ) -> None:
        self._listeners: dict[str, set[HubSubscription]] = {}
        self._on_first = on_first
        self._on_last = on_last

    @property
    def channels(self) -> list[str]:
        """Channels with at least one local listener."""
        return list(self._listeners)

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for subscription in tuple(self._listeners.get(channel, ())):
            subscription.put((channel, message))

    async def add(self, subscription: HubSubscription, channels: Iterable[str]) -> None:
        first = []
        for channel in set(channels) - subscription.channels:
            subscription.channels.add(channel)
            listeners = self._listeners.setdefault(channel, set())
            if not listeners:
                first.append(channel)
            listeners.add(subscription)
        if first:
            await self._on_first(first)

    async def remove(self, subscription: HubSubscription, channels: Iterable[str]) -> None:
        last = []
        for channel in set(channels) & subscription.channels:
            subscription.channels.discard(channel)
            listeners = self._listeners.get(channel, set())
            listeners.discard(subscription)
            if not listeners:
                self._listeners.pop(channel, None)
                last.append(channel)
        if last:
            await self._on_last(last)

    @asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[HubSubscription]:
        subscription = HubSubscription(self)
        try:
            await subscription.add(channels)
            yield subscription
        finally:
            subscription.close()
            with anyio.CancelScope(shield=True):
                await self.remove(subscription, list(subscription.channels))
