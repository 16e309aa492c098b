"""segue.db.sqlite: several processes writing one database take turns through its lock file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from segue.db.sqlite import AsyncSQLite, Migration, WriterLock

pytestmark = pytest.mark.anyio

SCHEMA = [Migration(1, "CREATE TABLE log (writer TEXT NOT NULL, step INTEGER NOT NULL);")]


def append(writer: str, steps: int, pause: float) -> Callable[[sqlite3.Connection], None]:
    def run(conn: sqlite3.Connection) -> None:
        for step in range(steps):
            conn.execute("INSERT INTO log (writer, step) VALUES (?, ?)", (writer, step))
            time.sleep(pause)

    return run


async def test_two_writers_of_one_file_take_whole_turns(tmp_path: Path) -> None:
    # Two handles on one file behave as two processes would (each has its own lock handle).
    path = tmp_path / "shared.db"
    first, second = AsyncSQLite(path, SCHEMA), AsyncSQLite(path, SCHEMA)
    await first.open()
    await second.open()
    try:
        async with anyio.create_task_group() as tg:
            for index, db in enumerate((first, second, first, second)):
                tg.start_soon(db.write, append(f"w{index}", 5, 0.01))
        rows = await first.read(lambda c: c.execute("SELECT writer FROM log").fetchall())
        writers = [r[0] for r in rows]
        assert sorted(writers) == sorted(f"w{i}" for i in range(4) for _ in range(5))
        # Each transaction's rows are together: turns never interleave.
        runs = [w for i, w in enumerate(writers) if i == 0 or writers[i - 1] != w]
        assert len(runs) == 4
    finally:
        await first.close()
        await second.close()


async def test_a_turn_held_too_long_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    db = AsyncSQLite(path, SCHEMA, busy_timeout_ms=200)
    await db.open()
    holder = WriterLock(path, timeout_s=1)
    holder.acquire()  # another process in the middle of a long write
    try:
        with pytest.raises(sqlite3.OperationalError, match=r"busy\.db: another process kept"):
            await db.write(append("late", 1, 0))
    finally:
        holder.release()
        holder.close()
    await db.write(append("late", 1, 0))  # its turn comes once the other is done
    assert await db.read(lambda c: c.execute("SELECT count(*) FROM log").fetchone()[0]) == 1
    await db.close()


async def test_processes_opening_a_new_database_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    handles = [AsyncSQLite(path, SCHEMA) for _ in range(4)]
    async with anyio.create_task_group() as tg:
        for db in handles:
            tg.start_soon(db.open)
    try:
        version = await handles[0].read(lambda c: c.execute("PRAGMA user_version").fetchone()[0])
        assert version == 1
    finally:
        for db in handles:
            await db.close()
