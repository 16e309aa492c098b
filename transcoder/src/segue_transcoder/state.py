"""What the transcoder remembers per track: loudness measurements and failed sources.

Kept in its own SQLite file (``<cache_dir>/transcoder.sqlite3``) so that the
catalog's schema stays the catalog's. Every process (server, workers, CLI)
opens the same file; WAL lets them read while one writes.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import msgspec

from segue.db.sqlite import AsyncSQLite, Migration

MIGRATIONS = [
    Migration(
        1,
        """
        CREATE TABLE loudness (
            track_id TEXT PRIMARY KEY,
            source_key TEXT NOT NULL,
            integrated_lufs REAL NOT NULL,
            true_peak_dbfs REAL NOT NULL,
            duration_ms INTEGER NOT NULL,
            album_id TEXT,
            measured_at REAL NOT NULL
        );
        CREATE INDEX loudness_measured ON loudness (measured_at);
        CREATE TABLE failures (
            track_id TEXT PRIMARY KEY,
            source_key TEXT NOT NULL,
            reason TEXT NOT NULL,
            failed_at REAL NOT NULL
        );
        """,
    )
]


class Measured(msgspec.Struct, frozen=True, kw_only=True):
    """A stored loudness measurement."""

    track_id: str
    source_key: str
    integrated_lufs: float
    true_peak_dbfs: float
    duration_ms: int
    album_id: str | None
    measured_at: float


class Failure(msgspec.Struct, frozen=True, kw_only=True):
    """A source ffmpeg could not read; not retried until the file changes."""

    track_id: str
    source_key: str
    reason: str
    failed_at: float


class TranscoderState:
    """Async access to the transcoder's SQLite file."""

    def __init__(self, path: Path) -> None:
        self.db = AsyncSQLite(path, MIGRATIONS, readers=2)

    async def open(self) -> None:
        await self.db.open()

    async def close(self) -> None:
        await self.db.close()

    async def save_loudness(self, measured: Measured) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO loudness VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    measured.track_id,
                    measured.source_key,
                    measured.integrated_lufs,
                    measured.true_peak_dbfs,
                    measured.duration_ms,
                    measured.album_id,
                    measured.measured_at,
                ),
            )

        await self.db.write(write)

    async def loudness_since(self, after: float) -> list[Measured]:
        """Measurements stored after ``after`` (Unix time), oldest first."""

        def read(conn: sqlite3.Connection) -> list[Measured]:
            rows = conn.execute(
                "SELECT * FROM loudness WHERE measured_at > ? ORDER BY measured_at", (after,)
            ).fetchall()
            return [Measured(**dict(row)) for row in rows]

        return await self.db.read(read)

    async def record_failure(self, track_id: str, source_key: str, reason: str) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)",
                (track_id, source_key, reason, time.time()),
            )

        await self.db.write(write)

    async def clear_failure(self, track_id: str) -> None:
        await self.db.write(
            lambda conn: conn.execute("DELETE FROM failures WHERE track_id = ?", (track_id,))
        )

    async def failures(self) -> dict[str, Failure]:
        def read(conn: sqlite3.Connection) -> dict[str, Failure]:
            rows = conn.execute("SELECT * FROM failures").fetchall()
            return {row["track_id"]: Failure(**dict(row)) for row in rows}

        return await self.db.read(read)
