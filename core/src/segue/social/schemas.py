"""API payloads of friends, activity and the player (msgspec Structs, returned directly)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from segue.slots.presence import PlaybackState, TrackSummary

__all__ = ["TrackSummary"]


class UsernameRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Names another user (friend requests, blocks)."""

    username: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class FriendInfo(msgspec.Struct, kw_only=True):
    """A friend as the API shows them (their privacy settings stay private)."""

    user_id: str
    name: str
    since: float


class PrivacyRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``PUT /api/v1/me/privacy``."""

    private_session: bool = False
    private_until: float | None = None
    """Unix time the private session ends by itself; null: until turned off."""
    publish_activity: bool = True


# Feed payloads hold plain data and never form cycles: untracked by the garbage
# collector (``gc=False``), a feed of 300 friends does not trigger collections.
class FeedNowPlaying(msgspec.Struct, kw_only=True, gc=False):
    track: TrackSummary
    context: str | None = None
    started_at: float
    position_ms: int
    """Where the friend is in the track now (extrapolated)."""


class FeedPlay(msgspec.Struct, kw_only=True, gc=False):
    track: TrackSummary
    played_at: float
    context: str | None = None


class FeedEntry(msgspec.Struct, kw_only=True, gc=False):
    """One friend's activity: what they play now, what they played last."""

    user_id: str
    name: str
    now_playing: FeedNowPlaying | None = None
    recent: list[FeedPlay] = []
    at: float
    """The latest of the now-playing start and the last play: the feed's sort key."""


class Feed(msgspec.Struct, kw_only=True, gc=False):
    items: list[FeedEntry]
    """Friends with activity, most recent first."""
    generated_at: float


class PlayerStateReport(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``PUT /api/v1/me/player/state``: what a client plays now."""

    track_id: str
    position_ms: Annotated[int, msgspec.Meta(ge=0)] = 0
    paused: bool = False
    device_id: str | None = None
    context: str | None = None
    queue: list[str] | None = None
    """Replaces the queue when given."""
    volume: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None


class TransferRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``PUT /api/v1/me/player``: move playback to another device."""

    device_id: str
    play: bool | None = None
    """True: play there; False: paused there; null: keep playing or paused as now."""


PlayerCommandName = Literal["play", "pause", "seek", "next", "previous", "volume"]


class PlayerCommand(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``POST /api/v1/me/player/commands``: remote control of one of the user's devices."""

    command: PlayerCommandName
    device_id: str | None = None
    """The device to command; null: the active one."""
    position_ms: Annotated[int, msgspec.Meta(ge=0)] | None = None
    """For ``seek``."""
    volume: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None
    """For ``volume``."""


class PlayerView(msgspec.Struct, kw_only=True):
    """The server-side player with the position extrapolated to ``server_time``."""

    state: PlaybackState
    position_ms: int
    server_time: float


class DeviceInfo(msgspec.Struct, kw_only=True):
    id: str
    name: str
    type: str
    last_seen: float
    is_active: bool


class DeviceList(msgspec.Struct, kw_only=True):
    devices: list[DeviceInfo]
    active_device_id: str | None = None
