"""The plugin's own SQLite database: fingerprints, failures, groups and preferred files."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segue.db.sqlite import AsyncSQLite, Migration
from segue.models import Track
from segue_fingerprint_chromaprint.fpcalc import RawFingerprint
from segue_fingerprint_chromaprint.matching import Print

MIGRATIONS = [
    Migration(
        1,
        """
        -- One raw Chromaprint fingerprint per track (items as little-endian uint32),
        -- with the file facts it was computed from, to know when it is stale.
        CREATE TABLE fingerprints (
            track_id TEXT PRIMARY KEY,
            root TEXT NOT NULL,
            relpath TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            codec TEXT NOT NULL,
            bitrate INTEGER,
            duration REAL NOT NULL,
            items BLOB NOT NULL,
            computed_at REAL NOT NULL
        ) WITHOUT ROWID;

        -- Files fpcalc could not fingerprint, with its reason.
        CREATE TABLE failures (
            track_id TEXT PRIMARY KEY,
            root TEXT NOT NULL,
            relpath TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            reason TEXT NOT NULL,
            failed_at REAL NOT NULL
        ) WITHOUT ROWID;

        -- The last duplicate detection: each grouped track, its recording and similarity.
        CREATE TABLE group_members (
            track_id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL,
            similarity REAL NOT NULL,
            group_similarity REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX group_members_by_recording ON group_members (recording_id);

        -- Every recording id ever given to a track: a track keeps its recording
        -- across detections, so play counts and royalties keyed by it stay put.
        CREATE TABLE recording_history (
            track_id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL,
            assigned_at REAL NOT NULL
        ) WITHOUT ROWID;

        -- The file an admin prefers for a recording.
        CREATE TABLE preferred (
            recording_id TEXT PRIMARY KEY,
            track_id TEXT NOT NULL,
            chosen_at REAL NOT NULL
        ) WITHOUT ROWID;

        -- MusicBrainz recording ids found through AcoustID.
        CREATE TABLE acoustid (
            track_id TEXT PRIMARY KEY,
            acoustid TEXT,
            musicbrainz_recording_id TEXT,
            score REAL,
            looked_up_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
    )
]


@dataclass(frozen=True)
class FileFacts:
    """What a stored fingerprint or failure was computed from."""

    track_id: str
    root: str
    relpath: str
    size: int
    mtime_ns: int
    codec: str
    bitrate: int | None
    duration: float
    computed_at: float


@dataclass(frozen=True)
class Failure:
    track_id: str
    root: str
    relpath: str
    reason: str
    failed_at: float


@dataclass(frozen=True)
class GroupRow:
    track_id: str
    recording_id: str
    similarity: float
    group_similarity: float


class FingerprintStore:
    """Async access to ``fingerprints.sqlite3`` (every statement on a worker thread)."""

    def __init__(self, path: Path) -> None:
        self.db = AsyncSQLite(path, MIGRATIONS, readers=2)

    async def open(self) -> None:
        await self.db.open()

    async def close(self) -> None:
        await self.db.close()

    # --- fingerprints --------------------------------------------------------
    async def save(self, track: Track, result: RawFingerprint) -> None:
        """Store a track's fingerprint (replacing an older one) and forget any failure."""
        row = (
            track.id,
            track.root,
            track.relpath,
            track.size,
            track.mtime_ns,
            track.codec,
            track.bitrate,
            result.duration,
            result.items.astype("<u4").tobytes(),
            time.time(),
        )

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR REPLACE INTO fingerprints VALUES (?,?,?,?,?,?,?,?,?,?)", row)
            conn.execute("DELETE FROM failures WHERE track_id = ?", (track.id,))

        await self.db.write(write)

    async def save_failure(self, track: Track, reason: str) -> None:
        """Record that fpcalc could not fingerprint the track's file, and why."""
        row = (track.id, track.root, track.relpath, track.size, track.mtime_ns, reason, time.time())

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT OR REPLACE INTO failures VALUES (?,?,?,?,?,?,?)", row)
            conn.execute("DELETE FROM fingerprints WHERE track_id = ?", (track.id,))

        await self.db.write(write)

    async def forget(self, track_ids: Sequence[str]) -> None:
        """Drop fingerprints and failures of tracks whose files are gone."""
        rows = [(track_id,) for track_id in track_ids]

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM fingerprints WHERE track_id = ?", rows)
            conn.executemany("DELETE FROM failures WHERE track_id = ?", rows)

        await self.db.write(write)

    async def follow_moves(self, tracks: Sequence[Track]) -> None:
        """Keep stored paths current: a moved file keeps its track id and its fingerprint."""
        rows = [(track.root, track.relpath, track.id) for track in tracks]

        def write(conn: sqlite3.Connection) -> None:
            for table in ("fingerprints", "failures"):
                conn.executemany(
                    f"UPDATE {table} SET root = ?, relpath = ? WHERE track_id = ?", rows
                )

        if rows:
            await self.db.write(write)

    async def up_to_date(self, tracks: Sequence[Track]) -> set[str]:
        """Ids of the tracks whose current file already has a fingerprint or a failure."""
        wanted = {track.id: (track.size, track.mtime_ns) for track in tracks}

        ids = json.dumps(list(wanted))

        def read(conn: sqlite3.Connection) -> set[str]:
            fresh: set[str] = set()
            for table in ("fingerprints", "failures"):
                for track_id, size, mtime_ns in conn.execute(
                    f"SELECT track_id, size, mtime_ns FROM {table}"
                    " WHERE track_id IN (SELECT value FROM json_each(?))",
                    (ids,),
                ):
                    if wanted.get(track_id) == (size, mtime_ns):
                        fresh.add(track_id)
            return fresh

        if not wanted:
            return set()
        return await self.db.read(read)

    async def prints(self) -> list[Print]:
        """Every stored fingerprint, ready to compare."""

        def read(conn: sqlite3.Connection) -> list[Print]:
            return [
                Print(
                    track_id=row["track_id"],
                    items=np.frombuffer(row["items"], dtype="<u4").astype(np.uint32),
                    duration=row["duration"],
                )
                for row in conn.execute("SELECT track_id, items, duration FROM fingerprints")
            ]

        return await self.db.read(read)

    async def facts(self, track_ids: Sequence[str] | None = None) -> dict[str, FileFacts]:
        """File facts of fingerprinted tracks (all of them without ``track_ids``)."""
        query = (
            "SELECT track_id, root, relpath, size, mtime_ns, codec, bitrate, duration,"
            " computed_at FROM fingerprints"
        )
        params: tuple[str, ...] = ()
        if track_ids is not None:
            query += " WHERE track_id IN (SELECT value FROM json_each(?))"
            params = (json.dumps(list(track_ids)),)

        def read(conn: sqlite3.Connection) -> dict[str, FileFacts]:
            return {row["track_id"]: FileFacts(*row) for row in conn.execute(query, params)}

        return await self.db.read(read)

    async def failures(self) -> list[Failure]:
        def read(conn: sqlite3.Connection) -> list[Failure]:
            return [
                Failure(*row)
                for row in conn.execute(
                    "SELECT track_id, root, relpath, reason, failed_at FROM failures"
                    " ORDER BY root, relpath"
                )
            ]

        return await self.db.read(read)

    async def count(self) -> int:
        def read(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT count(*) FROM fingerprints").fetchone()[0])

        return await self.db.read(read)

    # --- groups and recordings ---------------------------------------------------
    async def recording_history(self) -> dict[str, tuple[str, float]]:
        """track id -> (recording id it was given, when)."""

        def read(conn: sqlite3.Connection) -> dict[str, tuple[str, float]]:
            return {
                row[0]: (row[1], row[2])
                for row in conn.execute(
                    "SELECT track_id, recording_id, assigned_at FROM recording_history"
                )
            }

        return await self.db.read(read)

    async def replace_groups(self, rows: Sequence[GroupRow]) -> None:
        """Store a detection's outcome; remember each member's recording for next time."""
        now = time.time()

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM group_members")
            conn.executemany(
                "INSERT INTO group_members VALUES (?,?,?,?)",
                [(r.track_id, r.recording_id, r.similarity, r.group_similarity) for r in rows],
            )
            conn.executemany(
                "INSERT INTO recording_history VALUES (?,?,?) ON CONFLICT (track_id)"
                " DO UPDATE SET recording_id = excluded.recording_id, assigned_at = ?"
                " WHERE recording_id != excluded.recording_id",
                [(r.track_id, r.recording_id, now, now) for r in rows],
            )

        await self.db.write(write)

    async def groups(self) -> list[GroupRow]:
        def read(conn: sqlite3.Connection) -> list[GroupRow]:
            return [
                GroupRow(*row)
                for row in conn.execute(
                    "SELECT track_id, recording_id, similarity, group_similarity"
                    " FROM group_members ORDER BY recording_id, track_id"
                )
            ]

        return await self.db.read(read)

    async def preferred(self) -> dict[str, str]:
        """recording id -> the track id an admin prefers."""

        def read(conn: sqlite3.Connection) -> dict[str, str]:
            return dict(conn.execute("SELECT recording_id, track_id FROM preferred").fetchall())

        return await self.db.read(read)

    async def set_preferred(self, recording_id: str, track_id: str) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO preferred VALUES (?,?,?)",
                (recording_id, track_id, time.time()),
            )

        await self.db.write(write)

    # --- AcoustID --------------------------------------------------------------
    async def save_acoustid(
        self, track_id: str, acoustid: str | None, recording_id: str | None, score: float | None
    ) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO acoustid VALUES (?,?,?,?,?)",
                (track_id, acoustid, recording_id, score, time.time()),
            )

        await self.db.write(write)

    async def acoustid_matches(self) -> dict[str, str]:
        """track id -> MusicBrainz recording id found through AcoustID."""

        def read(conn: sqlite3.Connection) -> dict[str, str]:
            return dict(
                conn.execute(
                    "SELECT track_id, musicbrainz_recording_id FROM acoustid"
                    " WHERE musicbrainz_recording_id IS NOT NULL"
                ).fetchall()
            )

        return await self.db.read(read)
