"""MemoryPresence: the presence slot in plain dicts, with expiry checked on read.

Nothing here blocks or awaits I/O; expired entries are dropped when read
(and now-playing records by a sweep on write) so memory stays bounded by
the users who were active recently.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import msgspec

from segue.slots.presence import (
    Activity,
    Device,
    NowPlaying,
    Play,
    PlaybackState,
    PresenceConfig,
    Subscription,
)
from segue.social.feed_source import FeedQuery
from segue.social.hub import Hub


class MemoryPresence:
    """The one-process ``PresenceBackend`` (see ``segue.slots.presence``)."""

    def __init__(self, settings: PresenceConfig) -> None:
        self.settings = settings
        self._now_playing: dict[str, tuple[NowPlaying, float]] = {}
        self._history: dict[str, deque[Play]] = {}
        self._slots: dict[str, float] = {}
        self._devices: dict[str, dict[str, Device]] = {}
        self._playback: dict[str, PlaybackState] = {}
        self._graph: dict[str, int] = {}
        self._hub = Hub()

    async def start(self) -> None:
        return None

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # --- activity -----------------------------------------------------------
    async def set_now_playing(self, record: NowPlaying, ttl_s: float) -> None:
        self._now_playing[record.user_id] = (record, time.monotonic() + ttl_s)

    async def clear_now_playing(self, user_id: str) -> None:
        self._now_playing.pop(user_id, None)

    async def add_play(self, user_id: str, play: Play) -> None:
        history = self._history.get(user_id)
        if history is None or history.maxlen != self.settings.history_size:
            history = deque(history or (), maxlen=self.settings.history_size)
            self._history[user_id] = history
        history.appendleft(play)

    async def read_activity(self, user_ids: Sequence[str], recent: int) -> list[Activity]:
        now = time.monotonic()
        result = []
        for user_id in user_ids:
            entry = self._now_playing.get(user_id)
            record = None
            if entry is not None:
                if entry[1] > now:
                    record = entry[0]
                else:
                    del self._now_playing[user_id]
            plays = list(self._history.get(user_id, ()))[: max(0, recent)]
            result.append(Activity(user_id=user_id, now_playing=record, recent=plays))
        return result

    # --- feed source (graph versions, prepared feed reads) --------------------
    async def graph_version(self, user_id: str) -> int | None:
        return self._graph.get(user_id, 0)

    async def graph_versions(self, user_ids: Sequence[str]) -> list[int] | None:
        return [self._graph.get(u, 0) for u in user_ids]

    async def bump_graph(self, user_ids: Sequence[str], step: int = 1) -> None:
        for user_id in user_ids:
            self._graph[user_id] = self._graph.get(user_id, 0) + step

    def prepare_feed(self, viewer_id: str, user_ids: Sequence[str]) -> FeedQuery:
        return FeedQuery(viewer_id=viewer_id, user_ids=tuple(user_ids))

    async def read_feed(self, query: FeedQuery, recent: int) -> tuple[int | None, list[Activity]]:
        return self._graph.get(query.viewer_id, 0), await self.read_activity(query.user_ids, recent)

    async def acquire(self, key: str, ttl_s: float) -> bool:
        now = time.monotonic()
        if self._slots.get(key, 0.0) > now:
            return False
        self._slots[key] = now + ttl_s
        if len(self._slots) > 10_000:  # drop expired keys now and then
            self._slots = {k: t for k, t in self._slots.items() if t > now}
        return True

    # --- live push ----------------------------------------------------------
    async def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        # A copy per publish: a subscriber must never see a later change by the caller.
        self._hub.deliver(channel, msgspec.json.decode(msgspec.json.encode(message)))

    def subscribe(self, channels: Iterable[str]) -> AbstractAsyncContextManager[Subscription]:
        return self._hub.subscribe(channels)

    # --- devices and playback state -----------------------------------------
    async def put_device(self, user_id: str, device: Device) -> None:
        self._devices.setdefault(user_id, {})[device.id] = device

    async def remove_device(self, user_id: str, device_id: str) -> None:
        self._devices.get(user_id, {}).pop(device_id, None)

    async def list_devices(self, user_id: str) -> list[Device]:
        limit = time.time() - self.settings.device_timeout_s
        devices = self._devices.get(user_id, {})
        for device_id in [d.id for d in devices.values() if d.last_seen <= limit]:
            del devices[device_id]
        return sorted(devices.values(), key=lambda d: d.last_seen, reverse=True)

    async def get_playback(self, user_id: str) -> PlaybackState | None:
        return self._playback.get(user_id)

    async def set_playback(self, user_id: str, state: PlaybackState) -> None:
        self._playback[user_id] = state
