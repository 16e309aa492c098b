"""The counting store: one SQLite file in the data dir, and the queries reports need."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import msgspec

from segue.db.sqlite import AsyncSQLite
from segue.models import PlaybackEvent

from .config import Config, Holder
from .counting import Kind, Outcome, TrackInfo, count_batch
from .schema import MIGRATIONS

# The plays column holding each kind of holder's id (per-track counts are per recording).
_HOLDER_COLUMN: dict[Kind, str] = {
    "track": "recording_id",
    "artist": "artist_id",
    "album": "album_id",
    "label": "label",
}


class PlayRecord(msgspec.Struct, kw_only=True):
    """One raw playback event as counted: the audit trail of a stream."""

    event_id: str
    user_id: str
    track_id: str
    device_id: str
    session_id: str
    duration_listened_ms: int
    completed: bool
    reported_at: float
    day: str
    artist_id: str | None
    artist_name: str | None
    album_id: str | None
    label: str | None
    verdict: str
    """counted, too_short, duplicate, flagged, unknown_track or unauthenticated."""
    rule: str | None
    """For flagged plays: the fraud rule that fired."""
    reason: str
    """Why, in words."""
    duplicate_of: str | None
    """For duplicates: the event id of the counted stream it repeats."""
    counted_at: float
    recording_id: str | None = None
    """The recording the played file is a copy of (the track id when ungrouped)."""


class DailyCount(msgspec.Struct, kw_only=True):
    day: str
    kind: str
    holder_id: str
    holder: str
    streams: int
    listeners: int
    """Distinct users with a counted stream that day."""


class RuleSummary(msgspec.Struct, kw_only=True):
    rule: str
    plays: int
    users: int


class FlaggedReport(msgspec.Struct, kw_only=True, rename={"from_": "from"}):
    from_: str
    to: str
    rules: list[RuleSummary]
    plays: list[PlayRecord]
    """The flagged plays, newest first (at most ``limit``)."""


class RoyaltyStore:
    """Counts playback events into SQLite and answers the reports."""

    def __init__(self, path: Path, rules: Config) -> None:
        self.path = path
        self.rules = rules
        self._db = AsyncSQLite(path, MIGRATIONS, readers=2)

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    async def count(
        self,
        events: Sequence[PlaybackEvent],
        tracks: dict[str, TrackInfo],
        recordings: Mapping[str, str] | None = None,
    ) -> list[Outcome]:
        """Apply the counting rules to ``events`` in one transaction.

        ``recordings`` maps track ids to recording ids (missing: its own).
        """
        if not events:
            return []
        return await self._db.write(
            partial(
                count_batch,
                events=events,
                tracks=tracks,
                rules=self.rules,
                recordings=recordings,
            )
        )

    async def holdings(self, start: str, end: str, by: Holder) -> list[tuple[str, int]]:
        """(holder, counted streams) between two days included, aggregated in SQL."""
        column = "artist_name" if by == "artist" else "label"
        group = "artist_id, artist_name" if by == "artist" else "label"

        def select(conn: sqlite3.Connection) -> list[tuple[str, int]]:
            rows = conn.execute(
                f"SELECT {column}, count(*) FROM plays INDEXED BY plays_counted "
                f"WHERE verdict = 'counted' AND day BETWEEN ? AND ? GROUP BY {group}",
                (start, end),
            ).fetchall()
            return [(str(r[0]), int(r[1])) for r in rows]

        return await self._db.read(select)

    async def daily(self, start: str, end: str, kind: Kind, limit: int) -> list[DailyCount]:
        """Counted streams and unique listeners per day and holder of one kind."""
        column = _HOLDER_COLUMN[kind]

        def select(conn: sqlite3.Connection) -> list[DailyCount]:
            rows = conn.execute(
                f"WITH p AS (SELECT day, coalesce({column}, '') AS holder_id, "
                "count(DISTINCT user_id) AS listeners FROM plays "
                f"WHERE verdict = 'counted' AND day BETWEEN ?1 AND ?2 GROUP BY day, {column}) "
                "SELECT c.day, c.kind, c.holder_id, c.holder, c.streams, "
                "coalesce(p.listeners, 0) AS listeners FROM daily_counts c "
                "LEFT JOIN p ON p.day = c.day AND p.holder_id = c.holder_id "
                "WHERE c.kind = ?3 AND c.day BETWEEN ?1 AND ?2 "
                "ORDER BY c.day, c.streams DESC, c.holder LIMIT ?4",
                (start, end, kind, limit),
            ).fetchall()
            return [DailyCount(**dict(row)) for row in rows]

        return await self._db.read(select)

    async def flagged(self, start: str, end: str, limit: int) -> FlaggedReport:
        """Flagged plays between two days: a summary per rule and the latest plays."""

        def select(conn: sqlite3.Connection) -> FlaggedReport:
            summary = conn.execute(
                "SELECT rule, count(*) AS plays, count(DISTINCT user_id) AS users FROM plays "
                "WHERE verdict = 'flagged' AND day BETWEEN ? AND ? GROUP BY rule ORDER BY rule",
                (start, end),
            ).fetchall()
            plays = conn.execute(
                "SELECT * FROM plays WHERE verdict = 'flagged' AND day BETWEEN ? AND ? "
                "ORDER BY reported_at DESC, event_id LIMIT ?",
                (start, end, limit),
            ).fetchall()
            return FlaggedReport(
                from_=start,
                to=end,
                rules=[RuleSummary(**dict(row)) for row in summary],
                plays=[_play(row) for row in plays],
            )

        return await self._db.read(select)

    async def play(self, event_id: str) -> PlayRecord | None:
        """The audit record of one raw event, or None if it was never counted."""

        def select(conn: sqlite3.Connection) -> PlayRecord | None:
            row = conn.execute("SELECT * FROM plays WHERE event_id = ?", (event_id,)).fetchone()
            return _play(row) if row else None

        return await self._db.read(select)

    async def verdicts(self) -> dict[str, int]:
        """How many plays got each verdict, overall."""

        def select(conn: sqlite3.Connection) -> dict[str, int]:
            rows = conn.execute("SELECT verdict, count(*) FROM plays GROUP BY verdict")
            return {str(r[0]): int(r[1]) for r in rows}

        return await self._db.read(select)


def _play(row: sqlite3.Row) -> PlayRecord:
    data: dict[str, Any] = dict(row)
    data["completed"] = bool(data["completed"])
    return PlayRecord(**data)
