"""Storing scan findings: one batch in one transaction, aggregates included.

These functions run on AsyncSQLite's worker threads with a connection that
is already inside a transaction.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

from segue.catalog.identity import genre_pairs
from segue.models import FileState, ScanApplied, ScanChanges, Track
from segue_catalog_sqlite import aggregates
from segue_catalog_sqlite.rows import (
    DERIVED_COLUMNS,
    FACT_COLUMNS,
    Derived,
    encode_json,
    fact_values,
    make_track,
)

_INSERT_TRACK = (
    f"INSERT INTO tracks ({', '.join([*FACT_COLUMNS, *DERIVED_COLUMNS])}, "
    "id, play_count, added_at, updated_at, missing) "
    f"VALUES ({', '.join('?' * (len(FACT_COLUMNS) + len(DERIVED_COLUMNS) + 5))})"
)
_UPDATE_TRACK = (
    f"UPDATE tracks SET {', '.join(f'{c} = ?' for c in (*FACT_COLUMNS, *DERIVED_COLUMNS))}, "
    "updated_at = ?, missing = 0 WHERE id = ?"
)


def new_track_id() -> str:
    return "tr" + secrets.token_hex(8)


def file_states(conn: sqlite3.Connection, root: str) -> dict[str, FileState]:
    """Every file known under ``root`` by relpath; a present track wins over a missing one."""
    states: dict[str, FileState] = {}
    rows = conn.execute(
        "SELECT id, relpath, size, mtime_ns, content_key, missing FROM tracks WHERE root = ?",
        (root,),
    )
    for track_id, relpath, size, mtime_ns, content_key, missing in rows:
        known = states.get(relpath)
        if known is not None and not known.missing and missing:
            continue
        states[relpath] = FileState(
            track_id=track_id,
            relpath=relpath,
            size=size,
            mtime_ns=mtime_ns,
            content_key=content_key,
            missing=bool(missing),
        )
    return states


class _Known:
    """What a batch needs to remember of an existing track before changing it."""

    __slots__ = ("added_at", "album_artist_id", "album_id", "artist_id", "missing", "play_count")

    def __init__(self, row: sqlite3.Row) -> None:
        self.album_id: str | None = row["album_id"]
        self.artist_id: str = row["artist_id"]
        self.album_artist_id: str = row["album_artist_id"]
        self.play_count: int = row["play_count"]
        self.added_at: float = row["added_at"]
        self.missing = bool(row["missing"])


def apply_scan(conn: sqlite3.Connection, changes: ScanChanges) -> ScanApplied:
    """Apply one batch (see ``CatalogBackend.apply_scan``); ids unknown to the catalog are skipped."""
    now = time.time()
    known = _load_known(
        conn, [i for i, _ in changes.updated] + [i for i, _ in changes.moved] + changes.removed
    )
    touched = aggregates.Touched()
    for track in known.values():
        touched.add(track.album_id, track.artist_id, track.album_artist_id)

    removed = [i for i in dict.fromkeys(changes.removed) if i in known and not known[i].missing]
    conn.executemany("UPDATE tracks SET missing = 1 WHERE id = ?", [(i,) for i in removed])

    changed: list[Track] = []
    updates: list[list[Any]] = []
    for track_id, facts in [*changes.updated, *changes.moved]:
        old = known.get(track_id)
        if old is None:
            continue
        derived = Derived.of(facts)
        updates.append([*fact_values(facts), *derived.values(), now, track_id])
        touched.add(
            derived.grouping.album_id, derived.grouping.artist_id, derived.grouping.album_artist_id
        )
        changed.append(
            make_track(
                facts,
                derived,
                track_id=track_id,
                play_count=old.play_count,
                added_at=old.added_at,
                updated_at=now,
            )
        )
    conn.executemany(_UPDATE_TRACK, updates)

    added: list[Track] = []
    inserts: list[list[Any]] = []
    for facts in changes.added:
        derived = Derived.of(facts)
        track_id = new_track_id()
        inserts.append([*fact_values(facts), *derived.values(), track_id, 0, now, now, 0])
        touched.add(
            derived.grouping.album_id, derived.grouping.artist_id, derived.grouping.album_artist_id
        )
        added.append(
            make_track(
                facts, derived, track_id=track_id, play_count=0, added_at=now, updated_at=now
            )
        )
    conn.executemany(_INSERT_TRACK, inserts)

    placed = [*changed, *added]
    _write_genres(conn, placed, replace=[t.id for t in changed])
    removed += _evict_displaced(conn, placed, touched)
    aggregates.recompute(conn, touched)
    return ScanApplied(added=added, changed=changed, removed=removed)


def _load_known(conn: sqlite3.Connection, track_ids: list[str]) -> dict[str, _Known]:
    if not track_ids:
        return {}
    rows = conn.execute(
        "SELECT id, album_id, artist_id, album_artist_id, play_count, added_at, missing "
        "FROM tracks WHERE id IN (SELECT value FROM json_each(?))",
        (encode_json(track_ids),),
    )
    return {row["id"]: _Known(row) for row in rows}


def _write_genres(conn: sqlite3.Connection, tracks: list[Track], *, replace: list[str]) -> None:
    conn.executemany("DELETE FROM track_genres WHERE track_id = ?", [(i,) for i in replace])
    conn.executemany(
        "INSERT OR IGNORE INTO track_genres (track_id, genre_key, genre) VALUES (?, ?, ?)",
        [(t.id, key, name) for t in tracks for key, name in genre_pairs(t.genres)],
    )


def _evict_displaced(
    conn: sqlite3.Connection, placed: list[Track], touched: aggregates.Touched
) -> list[str]:
    """Mark missing any other present track still recorded at a path this batch placed a file at.

    One path holds one file: if a scanner reports a new file where an
    unreported track was, that track is no longer there.
    """
    if not placed:
        return []
    placed_ids = {t.id for t in placed}
    rows = conn.execute(
        "SELECT o.id, o.album_id, o.artist_id, o.album_artist_id FROM tracks AS p "
        "JOIN tracks AS o ON o.root = p.root AND o.relpath = p.relpath AND o.id <> p.id "
        "WHERE p.id IN (SELECT value FROM json_each(?)) AND o.missing = 0",
        (encode_json(sorted(placed_ids)),),
    ).fetchall()
    evicted = list(dict.fromkeys(row["id"] for row in rows if row["id"] not in placed_ids))
    for row in rows:
        if row["id"] in evicted:
            touched.add(row["album_id"], row["artist_id"], row["album_artist_id"])
    conn.executemany("UPDATE tracks SET missing = 1 WHERE id = ?", [(i,) for i in evicted])
    return evicted
