"""The counting rules, applied to a batch of playback events inside one transaction.

Rules run in this order; the first that applies gives the verdict:

1. ``unknown_track``: the track is not in the catalog (nobody to pay).
2. ``unauthenticated``: the event carries no user.
3. ``too_short``: less than ``min_listened_seconds`` listened.
4. ``duplicate``: the same user, recording and session has a counted stream
   within ``dedupe_window_seconds`` (a new session counts again).
5. ``flagged``: a fraud filter fired; ``rule`` says which. Plays that got
   this far feed the fraud counters whether flagged or not.
6. ``counted``.

Rules that name a track work per recording: copies of one song (a FLAC and
an MP3, grouped by a plugin answering ``extra_recording_ids``) are one song,
so playing both in a row counts once and alternating copies does not get
round the per-track daily limit. A track no plugin groups is its own
recording, with its track id as recording id.

Everything a verdict depends on is written in the same transaction as the
play row, keyed by the event id: replaying an event finds its row and
changes nothing, and a crash before commit leaves no trace.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import msgspec

from segue.models import PlaybackEvent

from .config import Config

Verdict = Literal[
    "counted", "too_short", "duplicate", "flagged", "unknown_track", "unauthenticated"
]
VERDICTS: tuple[Verdict, ...] = (
    "counted",
    "too_short",
    "duplicate",
    "flagged",
    "unknown_track",
    "unauthenticated",
)
Kind = Literal["track", "artist", "album", "label"]
KINDS: tuple[Kind, ...] = ("track", "artist", "album", "label")
NO_LABEL = "(no label)"

# Fraud rule names, as stored in plays.rule.
USER_HOURLY_TRACKS = "user_hourly_tracks"
USER_TRACK_DAILY = "user_track_daily"
DEVICE_MANY_USERS = "device_many_users"


@dataclass(frozen=True, slots=True)
class TrackInfo:
    """What counting needs of a track: its rights holders."""

    track_id: str
    title: str
    artist_id: str
    artist_name: str
    album_id: str | None
    album_title: str | None
    label: str | None


@dataclass(slots=True)
class Outcome:
    """The verdict on one playback event, as recorded in the audit trail."""

    event_id: str
    verdict: Verdict
    rule: str | None
    reason: str
    duplicate_of: str | None = None
    replayed: bool = False
    """True when the event had been counted before: nothing changed."""


def utc_day(timestamp: float) -> str:
    """The UTC calendar day (YYYY-MM-DD) of a Unix time."""
    return _day_name(int(timestamp // 86_400))


@functools.lru_cache(maxsize=4096)
def _day_name(days_since_epoch: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=days_since_epoch)).isoformat()


def count_batch(
    conn: sqlite3.Connection,
    events: Sequence[PlaybackEvent],
    tracks: dict[str, TrackInfo],
    rules: Config,
    recordings: Mapping[str, str] | None = None,
) -> list[Outcome]:
    """Apply the rules to ``events`` in order, recording each play and its verdict.

    ``recordings`` maps track ids to recording ids (a track missing from it
    is its own recording).

    The state the rules need (earlier counted streams of the same sessions,
    the fraud counters) is read for the whole batch with a few queries, the
    verdicts are worked out in memory, and everything is written back with
    one statement per table: per-event queries would cap the throughput.
    """
    recordings = recordings or {}
    known = _already_recorded(conn, [e.id for e in events])
    # First pass: what each new play is, and the verdicts that need no stored state.
    plays: list[_Play] = []
    seen = set(known)
    for event in events:
        if event.id in seen:  # the same id twice in one batch is one event
            continue
        seen.add(event.id)
        track = tracks.get(event.track_id)
        plays.append(
            (
                event,
                track,
                recordings.get(event.track_id, event.track_id),
                utc_day(event.reported_at),
                _stateless_verdict(event, track, rules),
            )
        )
    # Only plays that reach the dedupe rule need the stored state.
    state = _BatchState.load(conn, [p for p in plays if p[4] is None], rules)
    now = time.time()
    # Counted streams per (day, track, recording); spread over the holders once at the end.
    played: Counter[tuple[str, str, str]] = Counter()
    judged: dict[str, Outcome] = {}
    rows: list[tuple[object, ...]] = []
    for event, track, recording, day, early in plays:
        outcome = early or _judge(state, event, recording, day, rules)
        judged[event.id] = outcome
        rows.append(_row(event, recording, track, day, outcome, now))
        if outcome.verdict == "counted" and track is not None:
            state.sessions.setdefault((event.user_id, recording, event.session_id), []).append(
                (event.reported_at, event.id)
            )
            played[day, event.track_id, recording] += 1
    streams: Counter[tuple[str, Kind, str, str]] = Counter()
    for (day, track_id, recording), n in played.items():
        for kind, holder_id, holder in _holders(tracks[track_id], recording):
            streams[day, kind, holder_id, holder] += n
    conn.executemany(
        "INSERT INTO plays (event_id, user_id, track_id, device_id, session_id, "
        "duration_listened_ms, completed, reported_at, day, artist_id, artist_name, album_id, "
        "label, verdict, rule, reason, duplicate_of, counted_at, recording_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    state.save(conn)
    conn.executemany(
        "INSERT INTO daily_counts (day, kind, holder_id, holder, streams) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (day, kind, holder_id) DO UPDATE SET streams = streams + excluded.streams",
        [(*key, n) for key, n in streams.items()],
    )
    outcomes: list[Outcome] = []
    for event in events:
        found = judged.pop(event.id, None)
        if found is not None:
            outcome = found
        else:  # recorded before, or earlier in this batch
            verdict = known[event.id] if event.id in known else _first(outcomes, event.id)
            outcome = Outcome(event.id, verdict, None, "replayed", replayed=True)
        outcomes.append(outcome)
    return outcomes


def _first(outcomes: list[Outcome], event_id: str) -> Verdict:
    return next(o.verdict for o in outcomes if o.event_id == event_id)


SessionKey = tuple[str, str, str]
"""(user, recording, session)."""

_Play = tuple[PlaybackEvent, TrackInfo | None, str, str, Outcome | None]
"""(event, its track, recording id, UTC day, verdict if no stored state is needed)."""


class _BatchState:
    """What the rules need to know for one batch, read at once and written back at once."""

    def __init__(self) -> None:
        self.sessions: dict[SessionKey, list[tuple[float, str]]] = {}
        """Counted streams (time, event id) of the batch's (user, recording, session) keys."""
        self.user_hour: dict[tuple[str, int], int] = {}
        self.user_track_day: dict[tuple[str, str, str], int] = {}
        """(user, recording, day) -> plays."""
        self.device_users: dict[tuple[str, str], dict[str, int]] = {}
        """(device, day) -> {user: rank of arrival}."""
        self._new_device_users: list[tuple[str, str, str, int]] = []

    @classmethod
    def load(cls, conn: sqlite3.Connection, plays: Sequence[_Play], rules: Config) -> _BatchState:
        state = cls()
        if not plays:
            return state
        window = rules.dedupe_window_seconds
        low = min(p[0].reported_at for p in plays) - window
        high = max(p[0].reported_at for p in plays) + window
        keys = _json([(e.user_id, recording, e.session_id) for e, _t, recording, _d, _o in plays])
        for user, recording, session, at, event_id in conn.execute(
            "WITH k(u, t, s) AS (SELECT DISTINCT value ->> 0, value ->> 1, value ->> 2 "
            "FROM json_each(?)) "
            "SELECT p.user_id, p.recording_id, p.session_id, p.reported_at, p.event_id "
            "FROM k JOIN plays p INDEXED BY plays_recording_session ON p.user_id = k.u "
            "AND p.recording_id = k.t AND p.session_id = k.s "
            "WHERE p.verdict = 'counted' AND p.reported_at BETWEEN ? AND ?",
            (keys, low, high),
        ):
            state.sessions.setdefault((user, recording, session), []).append((at, event_id))
        hours = _json([(p[0].user_id, int(p[0].reported_at // 3600)) for p in plays])
        for user, hour, count in conn.execute(
            "WITH k(u, h) AS (SELECT DISTINCT value ->> 0, value ->> 1 FROM json_each(?)) "
            "SELECT c.user_id, c.hour, c.plays FROM k JOIN user_hour c "
            "ON c.user_id = k.u AND c.hour = k.h",
            (hours,),
        ):
            state.user_hour[user, hour] = count
        days = _json([(e.user_id, recording, day) for e, _t, recording, day, _o in plays])
        for user, track, day, count in conn.execute(
            "WITH k(u, t, d) AS (SELECT DISTINCT value ->> 0, value ->> 1, value ->> 2 "
            "FROM json_each(?)) "
            "SELECT c.user_id, c.track_id, c.day, c.plays FROM k JOIN user_track_day c "
            "ON c.user_id = k.u AND c.track_id = k.t AND c.day = k.d",
            (days,),
        ):
            state.user_track_day[user, track, day] = count
        devices = _json([(p[0].device_id, p[3]) for p in plays])
        for device, day, user, rank in conn.execute(
            "WITH k(dv, d) AS (SELECT DISTINCT value ->> 0, value ->> 1 FROM json_each(?)) "
            "SELECT c.device_id, c.day, c.user_id, c.rank FROM k JOIN device_day_users c "
            "ON c.device_id = k.dv AND c.day = k.d",
            (devices,),
        ):
            state.device_users.setdefault((device, day), {})[user] = rank
        return state

    def device_rank(self, device: str, day: str, user: str) -> int:
        users = self.device_users.setdefault((device, day), {})
        rank = users.get(user)
        if rank is None:
            rank = users[user] = len(users) + 1
            self._new_device_users.append((device, day, user, rank))
        return rank

    def save(self, conn: sqlite3.Connection) -> None:
        # The write transaction holds the lock: the totals computed here are current.
        conn.executemany(
            "INSERT OR REPLACE INTO user_hour (user_id, hour, plays) VALUES (?, ?, ?)",
            [(*key, n) for key, n in self.user_hour.items()],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO user_track_day (user_id, track_id, day, plays) "
            "VALUES (?, ?, ?, ?)",
            [(*key, n) for key, n in self.user_track_day.items()],
        )
        conn.executemany(
            "INSERT INTO device_day_users (device_id, day, user_id, rank) VALUES (?, ?, ?, ?)",
            self._new_device_users,
        )


_encode = msgspec.json.Encoder().encode


def _json(value: object) -> str:
    # Text, not bytes: SQLite would take a blob for its binary JSONB format.
    return _encode(value).decode()


def _already_recorded(conn: sqlite3.Connection, event_ids: list[str]) -> dict[str, Verdict]:
    rows = conn.execute(
        "SELECT event_id, verdict FROM plays WHERE event_id IN (SELECT value FROM json_each(?))",
        (_json(event_ids),),
    ).fetchall()
    return {row[0]: row[1] for row in rows}


def _holders(track: TrackInfo, recording: str) -> list[tuple[Kind, str, str]]:
    # Per-track daily counts are per recording: copies of a song add up.
    found: list[tuple[Kind, str, str]] = [
        ("track", recording, track.title),
        ("artist", track.artist_id, track.artist_name),
        ("label", track.label or NO_LABEL, track.label or NO_LABEL),
    ]
    if track.album_id:
        found.append(("album", track.album_id, track.album_title or track.album_id))
    return found


def _stateless_verdict(
    event: PlaybackEvent, track: TrackInfo | None, rules: Config
) -> Outcome | None:
    """The verdict of the rules that need no stored state, or None if the play passes them."""
    if track is None:
        return Outcome(event.id, "unknown_track", None, f"no track '{event.track_id}' in catalog")
    if not event.user_id:
        return Outcome(event.id, "unauthenticated", None, "no authenticated user")
    listened = event.duration_listened_ms / 1000
    if listened < rules.min_listened_seconds:
        return Outcome(
            event.id,
            "too_short",
            None,
            f"listened {listened:g} s, less than {rules.min_listened_seconds:g} s",
        )
    return None


def _judge(
    state: _BatchState, event: PlaybackEvent, recording: str, day: str, rules: Config
) -> Outcome:
    """The dedupe and fraud rules, for a play that passed the stateless ones."""
    # Both sides of the window: batches may be counted out of order (concurrent
    # consumers, redeliveries), and either way exactly one stream of the pair counts.
    counted = state.sessions.get((event.user_id, recording, event.session_id))
    if counted:
        window, at = rules.dedupe_window_seconds, event.reported_at
        near = [(abs(t - at), event_id) for t, event_id in counted if abs(t - at) <= window]
        if near:
            return Outcome(
                event.id,
                "duplicate",
                None,
                f"same user, recording and session as a stream counted less than {window:g} s "
                "apart",
                duplicate_of=min(near, key=lambda n: n[0])[1],
            )
    return _fraud_check(state, event, recording, day, rules)


def _fraud_check(
    state: _BatchState, event: PlaybackEvent, recording: str, day: str, rules: Config
) -> Outcome:
    hour_key = (event.user_id, int(event.reported_at // 3600))
    hour_plays = state.user_hour[hour_key] = state.user_hour.get(hour_key, 0) + 1
    day_key = (event.user_id, recording, day)
    track_plays = state.user_track_day[day_key] = state.user_track_day.get(day_key, 0) + 1
    device_rank = state.device_rank(event.device_id, day, event.user_id)
    if hour_plays > rules.max_tracks_per_user_hour:
        return Outcome(
            event.id,
            "flagged",
            USER_HOURLY_TRACKS,
            f"play {hour_plays} of this user within one hour "
            f"(more than {rules.max_tracks_per_user_hour})",
        )
    if track_plays > rules.max_plays_per_track_user_day:
        return Outcome(
            event.id,
            "flagged",
            USER_TRACK_DAILY,
            f"play {track_plays} of this recording by this user on {day} "
            f"(more than {rules.max_plays_per_track_user_day})",
        )
    if device_rank > rules.max_users_per_device_day:
        return Outcome(
            event.id,
            "flagged",
            DEVICE_MANY_USERS,
            f"user {device_rank} on device '{event.device_id}' on {day} "
            f"(more than {rules.max_users_per_device_day})",
        )
    return Outcome(event.id, "counted", None, "counted")


def _row(
    event: PlaybackEvent,
    recording: str,
    track: TrackInfo | None,
    day: str,
    outcome: Outcome,
    now: float,
) -> tuple[object, ...]:
    return (
        event.id,
        event.user_id,
        event.track_id,
        event.device_id,
        event.session_id,
        event.duration_listened_ms,
        int(event.completed),
        event.reported_at,
        day,
        track.artist_id if track else None,
        track.artist_name if track else None,
        track.album_id if track else None,
        (track.label or NO_LABEL) if track else None,
        outcome.verdict,
        outcome.rule,
        outcome.reason,
        outcome.duplicate_of,
        now,
        recording,
    )
