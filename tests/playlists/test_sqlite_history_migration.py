"""playlists-sqlite migration 2: the history moves to a table keyed by (user, time, id), losing nothing."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from segue.db.sqlite import AsyncSQLite
from segue.playlists.models import HistoryEntry
from segue_playlists_sqlite.plugin import Config  # type: ignore[import-untyped]
from segue_playlists_sqlite.schema import MIGRATIONS  # type: ignore[import-untyped]
from segue_playlists_sqlite.store import SQLitePlaylists  # type: ignore[import-untyped]

pytestmark = pytest.mark.anyio


async def test_history_written_before_migration_2_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "playlists.db"
    old = AsyncSQLite(path, MIGRATIONS[:1])
    await old.open()
    now = time.time()

    def fill(conn: sqlite3.Connection) -> None:
        conn.executemany(
            """INSERT INTO history (user_id, id, track_id, played_at, duration_listened_ms,
               completed, context) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                ("u1", "e1", "t1", now - 60, 95_000, 1, "album:a"),
                ("u1", "e2", "t2", now - 30, 5_000, 0, None),
                ("u2", "e3", "t1", now - 10, 40_000, 1, None),
            ],
        )

    await old.write(fill)
    await old.close()

    store = SQLitePlaylists(path, Config())
    await store.start()
    try:
        page = await store.list_history("u1", 0, 10)
        assert [(h.id, h.track_id, h.context) for h in page.items] == [
            ("e2", "t2", None),
            ("e1", "t1", "album:a"),
        ]
        assert page.items[1].completed and page.items[1].duration_listened_ms == 95_000
        assert [h.id for h in (await store.list_history("u2", 0, 10)).items] == ["e3"]
        # A redelivered old event is still dropped by the new key.
        entry = HistoryEntry(id="e1", track_id="t1", played_at=now - 60)
        await store.add_history("u1", [entry])
        assert (await store.list_history("u1", 0, 10)).total == 2
    finally:
        await store.close()
