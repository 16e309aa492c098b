"""``[plugins.royalties]``: the counting rules, the store and the payout defaults."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

import segue

PLUGIN_NAME = "royalties"

Holder = Literal["artist", "label"]


class Config(segue.PluginConfig):
    """``[plugins.royalties]``: how streams are counted and paid out."""

    path: str = "royalties.sqlite3"
    """The counting store's SQLite file. Relative paths are resolved against server.data_dir."""
    min_listened_seconds: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    """A play counts as a stream only when at least this many seconds were listened."""
    dedupe_window_seconds: Annotated[float, msgspec.Meta(ge=0)] = 300.0
    """Plays of the same track by the same user in the same session within this many seconds
    of a counted stream are duplicates (a new session, e.g. on another device, counts again)."""
    max_tracks_per_user_hour: Annotated[int, msgspec.Meta(ge=1)] = 500
    """Fraud filter: a user's plays beyond this many in one clock hour (UTC) are flagged."""
    max_plays_per_track_user_day: Annotated[int, msgspec.Meta(ge=1)] = 100
    """Fraud filter: plays of one recording (all copies of a song) by one user beyond this many
    in one day (UTC) are flagged."""
    max_users_per_device_day: Annotated[int, msgspec.Meta(ge=1)] = 10
    """Fraud filter (account farms): on one device, the plays of the users beyond the first
    this many of a day (UTC) are flagged."""
    holder: Holder = "artist"
    """Default rights holder of payouts: "artist" or "label" (label from the tracks' tags)."""
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")] = "EUR"
    """Default ISO 4217 currency code of payouts."""
    batch_size: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 500
    """Most playback events counted in one transaction by the counting consumer."""
    concurrency: Annotated[int, msgspec.Meta(ge=1, le=16)] = 1
    """Batches each worker counts at once. More overlaps reading the events slot with
    writing the store, but events may then be counted out of order: of two plays within
    the dedupe window either may be the one that counts (never both)."""
    claim_timeout: Annotated[float, msgspec.Meta(gt=0)] = 60.0
    """Seconds before events claimed by a counting worker that died are handed to another."""
