"""Library, listening history and play queue on a SQLite connection (AsyncSQLite threads)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

import msgspec

from segue.models import Page
from segue.playlists.edits import EditConflict
from segue.playlists.models import HistoryEntry, PlayQueue, SavedItem, SavedKind

_encode = msgspec.msgpack.Encoder().encode
_decode_queue = msgspec.msgpack.Decoder(PlayQueue).decode


def save_items(
    conn: sqlite3.Connection, user_id: str, kind: SavedKind, item_ids: Sequence[str], now: float
) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO library (user_id, kind, item_id, saved_at) VALUES (?, ?, ?, ?)",
        [(user_id, kind, item_id, now) for item_id in item_ids],
    )


def remove_items(
    conn: sqlite3.Connection, user_id: str, kind: SavedKind, item_ids: Sequence[str]
) -> int:
    removed = 0
    for item_id in dict.fromkeys(item_ids):
        removed += conn.execute(
            "DELETE FROM library WHERE user_id = ? AND kind = ? AND item_id = ?",
            (user_id, kind, item_id),
        ).rowcount
    return removed


def list_saved(
    conn: sqlite3.Connection, user_id: str, kind: SavedKind, offset: int, limit: int
) -> Page[SavedItem]:
    total = conn.execute(
        "SELECT count(*) FROM library WHERE user_id = ? AND kind = ?", (user_id, kind)
    ).fetchone()[0]
    rows = conn.execute(
        """SELECT item_id, saved_at FROM library WHERE user_id = ? AND kind = ?
           ORDER BY saved_at DESC, item_id LIMIT ? OFFSET ?""",
        (user_id, kind, limit, offset),
    )
    items = [SavedItem(kind=kind, item_id=r[0], saved_at=r[1]) for r in rows]
    return Page(items=items, total=total, offset=offset, limit=limit)


def add_history(
    conn: sqlite3.Connection, entries: Mapping[str, Sequence[HistoryEntry]], cutoff: float
) -> None:
    """Store the plays of each user (user id -> entries), ignoring ids already stored."""
    conn.executemany(
        """INSERT OR IGNORE INTO history
           (user_id, id, track_id, played_at, duration_listened_ms, completed, context)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [
            (
                user_id,
                e.id,
                e.track_id,
                e.played_at,
                e.duration_listened_ms,
                int(e.completed),
                e.context,
            )
            for user_id, user_entries in entries.items()
            for e in user_entries
            if e.played_at >= cutoff
        ],
    )
    conn.execute("DELETE FROM history WHERE played_at < ?", (cutoff,))


def list_history(
    conn: sqlite3.Connection, user_id: str, offset: int, limit: int, cutoff: float
) -> Page[HistoryEntry]:
    total = conn.execute(
        "SELECT count(*) FROM history WHERE user_id = ? AND played_at >= ?", (user_id, cutoff)
    ).fetchone()[0]
    rows = conn.execute(
        """SELECT id, track_id, played_at, duration_listened_ms, completed, context
           FROM history WHERE user_id = ? AND played_at >= ?
           ORDER BY played_at DESC, id LIMIT ? OFFSET ?""",
        (user_id, cutoff, limit, offset),
    )
    items = [
        HistoryEntry(
            id=r[0],
            track_id=r[1],
            played_at=r[2],
            duration_listened_ms=r[3],
            completed=bool(r[4]),
            context=r[5],
        )
        for r in rows
    ]
    return Page(items=items, total=total, offset=offset, limit=limit)


def get_queue(conn: sqlite3.Connection, user_id: str) -> PlayQueue:
    row = conn.execute("SELECT body FROM queues WHERE user_id = ?", (user_id,)).fetchone()
    return PlayQueue() if row is None else _decode_queue(row[0])


def put_queue(
    conn: sqlite3.Connection,
    user_id: str,
    queue: PlayQueue,
    base_version: int | None,
    now: float,
) -> PlayQueue:
    current = get_queue(conn, user_id)
    if base_version is not None and base_version != current.version:
        raise EditConflict(
            f"the queue changed since version {base_version} (now version "
            f"{current.version}): reload it and try again",
            current.version,
        )
    stored = msgspec.structs.replace(queue, version=current.version + 1, updated_at=now)
    conn.execute(
        "INSERT INTO queues (user_id, version, body) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, body = excluded.body",
        (user_id, stored.version, _encode(stored)),
    )
    return stored
