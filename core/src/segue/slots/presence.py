"""The presence slot: now playing, recent plays, live push, devices and playback state.

Everything here is short-lived and fast: a backend keeps it in memory
(``presence-memory``, one process) or in Valkey (``presence-valkey``, shared
by several ``segue serve`` processes). Durable social data (friends, blocks,
privacy settings) is in the catalog + users slot. Backends store and deliver;
they never decide who may see what: ``segue.social`` does, on every write
and every read, so that a backend cannot leak.

Channels carry JSON objects (``dict``) with a ``type`` field; a user's
WebSocket listens on ``user:<id>`` (messages for that user) and on
``activity:<id>`` of each friend (see ``segue.social.live``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, Protocol

import msgspec

from segue.config.schema import PluginConfig
from segue.slots.base import Backend

Message = tuple[str, dict[str, Any]]
"""(channel, message) as a subscription yields it."""


class PresenceConfig(PluginConfig):
    """Settings every presence backend shares (each backend's ``[plugins.<name>]`` section)."""

    history_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 50
    """Recent plays kept per user (the friend feed shows the last few)."""
    grace_s: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    """A now-playing record expires this long after its track would have ended."""
    min_update_interval_s: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    """A user's now-playing record changes at most once per this many seconds;
    rapid skips in between coalesce to the latest track. 0 turns the limit off."""
    device_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 60.0
    """A device that sent no heartbeat for this long drops out of the device list."""


# Activity records hold plain data and never form cycles: untracked by the garbage
# collector (``gc=False``), so decoding a 300-friend feed triggers no collection.
class TrackSummary(msgspec.Struct, kw_only=True, gc=False):
    """What a feed shows of a track; stored with the activity so reads need no catalog lookup."""

    id: str
    title: str
    artist_name: str
    album: str | None = None
    album_id: str | None = None
    duration_ms: int


class NowPlaying(msgspec.Struct, kw_only=True, gc=False):
    """What a user is playing right now (published only when privacy allows)."""

    user_id: str
    track_id: str
    context: str | None = None
    """Where the track is played from (an album, a playlist...), as the client said."""
    device_id: str | None = None
    started_at: float
    """Unix time the track started (position 0)."""
    position_ms: int = 0
    """Position at ``updated_at``."""
    updated_at: float
    track: TrackSummary | None = None
    """The track's details as they were when it started."""


class Play(msgspec.Struct, kw_only=True, gc=False):
    """One entry of a user's recent plays."""

    track_id: str
    played_at: float
    context: str | None = None
    track: TrackSummary | None = None
    """The track's details as they were when it was played."""


class Activity(msgspec.Struct, kw_only=True, gc=False):
    """A user's now-playing record (if any) and most recent plays, newest first."""

    user_id: str
    now_playing: NowPlaying | None = None
    recent: list[Play] = []


class Device(msgspec.Struct, kw_only=True):
    """A connected client of one user (registered over the WebSocket)."""

    id: str
    name: str
    type: str = "unknown"
    """"web", "phone", "desktop", "speaker"... as the client said."""
    last_seen: float


class PlaybackState(msgspec.Struct, kw_only=True):
    """The server-side player of one user: any device can extrapolate the position."""

    track_id: str | None = None
    context: str | None = None
    position_ms: int = 0
    """Position at ``updated_at``."""
    updated_at: float = 0.0
    paused: bool = True
    device_id: str | None = None
    """The device playing (the active one)."""
    queue: list[str] = []
    """Track ids to play next."""
    volume: int = 100
    """0 to 100."""

    def position_at(self, now: float) -> int:
        """The position at ``now``: the stored one, moved on by the time since if playing."""
        if self.paused or self.track_id is None:
            return self.position_ms
        return self.position_ms + max(0, round((now - self.updated_at) * 1000))

    def anchor_at(self, now: float) -> tuple[int, float]:
        """(position, time) to store when re-basing the state at ``now``.

        The time is moved to match the whole-millisecond position exactly, so
        that handing off again and again never drifts by rounding.
        """
        position = self.position_at(now)
        if self.paused or self.track_id is None:
            return position, now
        return position, self.updated_at + (position - self.position_ms) / 1000


class Subscription(Protocol):
    """Messages of some channels, in publish order per channel; change channels any time."""

    async def add(self, channels: Iterable[str]) -> None: ...

    async def remove(self, channels: Iterable[str]) -> None: ...

    def __aiter__(self) -> AsyncIterator[Message]: ...


class PresenceBackend(Backend, Protocol):
    """Now playing, recent plays, live push, devices, playback state. Default: ``memory``.

    ``settings`` are the backend's :class:`PresenceConfig`. ``read_activity``
    and ``publish`` do not raise when a shared store is away (the feed is
    served from the last known data, push pauses); other methods raise
    ``segue.context.SlotUnavailable`` then, which the API turns into a 503.
    """

    @property
    def settings(self) -> PresenceConfig:
        """The backend's settings (history size, grace period, rate limit, device timeout)."""
        ...

    # --- activity ---------------------------------------------------------
    async def set_now_playing(self, record: NowPlaying, ttl_s: float) -> None:
        """Store ``record`` as the user's now playing; it disappears after ``ttl_s`` seconds."""
        ...

    async def clear_now_playing(self, user_id: str) -> None:
        """Forget the user's now playing at once (privacy turned on, playback stopped)."""
        ...

    async def add_play(self, user_id: str, play: Play) -> None:
        """Add to the user's recent plays, keeping the newest ``settings.history_size``."""
        ...

    async def read_activity(self, user_ids: Sequence[str], recent: int) -> list[Activity]:
        """Activity of each user (same order), with up to ``recent`` plays: one round trip."""
        ...

    async def acquire(self, key: str, ttl_s: float) -> bool:
        """True for the first caller per ``key`` within ``ttl_s`` seconds (rate limits)."""
        ...

    # --- live push ---------------------------------------------------------
    async def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Deliver ``message`` to the current subscribers of ``channel`` (none: dropped)."""
        ...

    def subscribe(self, channels: Iterable[str]) -> AbstractAsyncContextManager[Subscription]:
        """``async with backend.subscribe([...]) as subscription``: listen until the block ends."""
        ...

    # --- devices and playback state ----------------------------------------
    async def put_device(self, user_id: str, device: Device) -> None:
        """Register or refresh a device; it expires after ``settings.device_timeout_s``."""
        ...

    async def remove_device(self, user_id: str, device_id: str) -> None: ...

    async def list_devices(self, user_id: str) -> list[Device]:
        """The user's live devices, most recently seen first."""
        ...

    async def get_playback(self, user_id: str) -> PlaybackState | None: ...

    async def set_playback(self, user_id: str, state: PlaybackState) -> None: ...
