"""Playlists and their entries on a SQLite connection (called on AsyncSQLite's threads)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence

import msgspec

from segue.errors import NotFound
from segue.models import Page
from segue.playlists.edits import CHANGE_LOG_SIZE, EntryEditor, check_base, check_fields, public
from segue.playlists.models import (
    Change,
    EditOp,
    EditResult,
    Entry,
    MetadataUpdate,
    Playlist,
    PlaylistExport,
    StoredEntry,
)

_PLAYLIST_COLUMNS = (
    "id, owner_id, name, description, public, collaborative, version, entry_count, "
    "created_at, updated_at"
)
_encode = msgspec.msgpack.Encoder().encode
_decode_change = msgspec.msgpack.Decoder(Change).decode
_decode_result = msgspec.msgpack.Decoder(EditResult).decode


def new_id() -> str:
    return uuid.uuid4().hex


def _playlist(conn: sqlite3.Connection, row: sqlite3.Row) -> Playlist:
    collaborators = [
        r[0]
        for r in conn.execute(
            "SELECT user_id FROM playlist_collaborators WHERE playlist_id = ? ORDER BY user_id",
            (row["id"],),
        )
    ]
    followers = conn.execute(
        "SELECT count(*) FROM playlist_followers WHERE playlist_id = ?", (row["id"],)
    ).fetchone()[0]
    return Playlist(
        id=row["id"],
        owner_id=row["owner_id"],
        name=row["name"],
        description=row["description"],
        public=bool(row["public"]),
        collaborative=bool(row["collaborative"]),
        collaborators=collaborators,
        version=row["version"],
        entry_count=row["entry_count"],
        follower_count=followers,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def get_playlist(conn: sqlite3.Connection, playlist_id: str) -> Playlist | None:
    row = conn.execute(
        f"SELECT {_PLAYLIST_COLUMNS} FROM playlists WHERE id = ?", (playlist_id,)
    ).fetchone()
    return None if row is None else _playlist(conn, row)


def require_playlist(conn: sqlite3.Connection, playlist_id: str) -> Playlist:
    playlist = get_playlist(conn, playlist_id)
    if playlist is None:
        raise NotFound(f"no playlist with id {playlist_id!r}")
    return playlist


def create_playlist(conn: sqlite3.Connection, playlist: Playlist) -> Playlist:
    conn.execute(
        f"INSERT INTO playlists ({_PLAYLIST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            playlist.id,
            playlist.owner_id,
            playlist.name,
            playlist.description,
            int(playlist.public),
            int(playlist.collaborative),
            playlist.version,
            playlist.entry_count,
            playlist.created_at,
            playlist.updated_at,
        ),
    )
    return require_playlist(conn, playlist.id)


def list_playlists(conn: sqlite3.Connection, user_id: str) -> list[Playlist]:
    rows = conn.execute(
        f"""SELECT {_PLAYLIST_COLUMNS} FROM playlists WHERE owner_id = :u
            OR id IN (SELECT playlist_id FROM playlist_collaborators WHERE user_id = :u)
            OR id IN (SELECT playlist_id FROM playlist_followers WHERE user_id = :u)
            ORDER BY updated_at DESC, id""",
        {"u": user_id},
    ).fetchall()
    return [_playlist(conn, row) for row in rows]


def _changes_since(conn: sqlite3.Connection, playlist_id: str, version: int) -> list[Change]:
    rows = conn.execute(
        "SELECT body FROM playlist_changes WHERE playlist_id = ? AND version > ? ORDER BY version",
        (playlist_id, version),
    )
    return [_decode_change(r[0]) for r in rows]


def _since(conn: sqlite3.Connection, playlist: Playlist, base_version: int | None) -> list[Change]:
    """The changes after ``base_version`` (checked by ``check_base``); none to load without one."""
    if base_version is None or base_version >= playlist.version:
        return check_base(base_version, playlist.version, [])
    return check_base(
        base_version, playlist.version, _changes_since(conn, playlist.id, base_version)
    )


def _record_change(
    conn: sqlite3.Connection, playlist_id: str, change: Change, updated_at: float
) -> None:
    conn.execute(
        "UPDATE playlists SET version = ?, updated_at = ? WHERE id = ?",
        (change.version, updated_at, playlist_id),
    )
    conn.execute(
        "INSERT INTO playlist_changes (playlist_id, version, body) VALUES (?, ?, ?)",
        (playlist_id, change.version, _encode(change)),
    )
    conn.execute(
        "DELETE FROM playlist_changes WHERE playlist_id = ? AND version <= ?",
        (playlist_id, change.version - CHANGE_LOG_SIZE),
    )


def update_playlist(
    conn: sqlite3.Connection,
    playlist_id: str,
    update: MetadataUpdate,
    base_version: int | None,
    now: float,
) -> Playlist:
    playlist = require_playlist(conn, playlist_id)
    fields = update.fields()
    since = _since(conn, playlist, base_version)
    check_fields(fields, since, playlist.version)
    for field in fields:
        value = getattr(update, field)
        conn.execute(
            f"UPDATE playlists SET {field} = ? WHERE id = ?",  # field names come from the Struct
            (int(value) if isinstance(value, bool) else value, playlist_id),
        )
    _record_change(conn, playlist_id, Change(version=playlist.version + 1, fields=fields), now)
    return require_playlist(conn, playlist_id)


def delete_playlist(conn: sqlite3.Connection, playlist_id: str) -> bool:
    return conn.execute("DELETE FROM playlists WHERE id = ?", (playlist_id,)).rowcount > 0


def list_entries(
    conn: sqlite3.Connection, playlist_id: str, offset: int, limit: int
) -> Page[Entry]:
    playlist = require_playlist(conn, playlist_id)
    rows = conn.execute(
        """SELECT id, track_id, added_by, added_at FROM playlist_entries
           WHERE playlist_id = ? AND removed = 0 ORDER BY pos LIMIT ? OFFSET ?""",
        (playlist_id, limit, offset),
    )
    items = [Entry(id=r[0], track_id=r[1], added_by=r[2], added_at=r[3]) for r in rows]
    return Page(items=items, total=playlist.entry_count, offset=offset, limit=limit)


def _stored_entries(conn: sqlite3.Connection, playlist_id: str) -> list[StoredEntry]:
    rows = conn.execute(
        """SELECT id, track_id, added_by, added_at, removed FROM playlist_entries
           WHERE playlist_id = ? ORDER BY pos""",
        (playlist_id,),
    )
    return [
        StoredEntry(id=r[0], track_id=r[1], added_by=r[2], added_at=r[3], removed=bool(r[4]))
        for r in rows
    ]


def edit_entries(
    conn: sqlite3.Connection,
    playlist_id: str,
    user_id: str,
    ops: Sequence[EditOp],
    *,
    base_version: int | None,
    idempotency_key: str | None,
    idempotency_ttl_s: float,
    now: float,
) -> EditResult:
    playlist = require_playlist(conn, playlist_id)
    if idempotency_key is not None:
        conn.execute(
            "DELETE FROM playlist_idempotency WHERE created_at < ?", (now - idempotency_ttl_s,)
        )
        row = conn.execute(
            "SELECT result FROM playlist_idempotency WHERE playlist_id = ? AND user_id = ? "
            "AND key = ?",
            (playlist_id, user_id, idempotency_key),
        ).fetchone()
        if row is not None:
            return _decode_result(row[0])
    since = _since(conn, playlist, base_version)
    before = _stored_entries(conn, playlist_id)
    old = {e.id: (i, e.removed) for i, e in enumerate(before)}
    editor = EntryEditor(
        before,
        current_version=playlist.version,
        since=since,
        user_id=user_id,
        now=now,
        new_id=new_id,
    )
    editor.apply(ops)
    _store_order(conn, playlist_id, editor.entries, old)
    version = playlist.version + 1
    conn.execute(
        "UPDATE playlists SET entry_count = ? WHERE id = ?", (editor.live_count, playlist_id)
    )
    _record_change(conn, playlist_id, editor.change(version), now)
    result = EditResult(
        playlist_id=playlist_id,
        version=version,
        base_version=playlist.version,
        diff=editor.diff,
        entry_count=editor.live_count,
    )
    if idempotency_key is not None:
        conn.execute(
            "INSERT INTO playlist_idempotency (playlist_id, user_id, key, result, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (playlist_id, user_id, idempotency_key, _encode(result), now),
        )
    return result


def _store_order(
    conn: sqlite3.Connection,
    playlist_id: str,
    entries: list[StoredEntry],
    old: dict[str, tuple[int, bool]],
) -> None:
    """Write only what changed: new rows, and rows whose position or state moved."""
    inserts, updates = [], []
    for pos, entry in enumerate(entries):
        previous = old.get(entry.id)
        if previous is None:
            inserts.append(
                (playlist_id, entry.id, entry.track_id, entry.added_by, entry.added_at, pos)
            )
        elif previous != (pos, entry.removed):
            updates.append((pos, int(entry.removed), playlist_id, entry.id))
    # Positions are unique only per read, not by constraint: shift freely, then insert.
    conn.executemany(
        "UPDATE playlist_entries SET pos = ?, removed = ? WHERE playlist_id = ? AND id = ?",
        updates,
    )
    conn.executemany(
        "INSERT INTO playlist_entries (playlist_id, id, track_id, added_by, added_at, pos) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        inserts,
    )


def set_collaborator(
    conn: sqlite3.Connection, playlist_id: str, user_id: str, add: bool, now: float
) -> Playlist:
    require_playlist(conn, playlist_id)
    if add:
        conn.execute(
            "INSERT OR IGNORE INTO playlist_collaborators (playlist_id, user_id) VALUES (?, ?)",
            (playlist_id, user_id),
        )
    else:
        conn.execute(
            "DELETE FROM playlist_collaborators WHERE playlist_id = ? AND user_id = ?",
            (playlist_id, user_id),
        )
    return require_playlist(conn, playlist_id)


def set_following(
    conn: sqlite3.Connection, playlist_id: str, user_id: str, follow: bool, now: float
) -> Playlist:
    require_playlist(conn, playlist_id)
    if follow:
        conn.execute(
            "INSERT OR IGNORE INTO playlist_followers (playlist_id, user_id, followed_at) "
            "VALUES (?, ?, ?)",
            (playlist_id, user_id, now),
        )
    else:
        conn.execute(
            "DELETE FROM playlist_followers WHERE playlist_id = ? AND user_id = ?",
            (playlist_id, user_id),
        )
    return require_playlist(conn, playlist_id)


def list_followers(conn: sqlite3.Connection, playlist_id: str) -> list[str]:
    require_playlist(conn, playlist_id)
    rows = conn.execute(
        "SELECT user_id FROM playlist_followers WHERE playlist_id = ? ORDER BY followed_at, "
        "user_id",
        (playlist_id,),
    )
    return [r[0] for r in rows]


def playlist_ids(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM playlists ORDER BY created_at, id")]


def export_playlist(conn: sqlite3.Connection, playlist_id: str) -> PlaylistExport | None:
    playlist = get_playlist(conn, playlist_id)
    if playlist is None:
        return None
    entries = public([e for e in _stored_entries(conn, playlist_id) if not e.removed])
    return PlaylistExport(
        playlist=playlist, entries=entries, followers=list_followers(conn, playlist_id)
    )


def import_playlist(conn: sqlite3.Connection, export: PlaylistExport) -> bool:
    if get_playlist(conn, export.playlist.id) is not None:
        return False
    playlist = msgspec.structs.replace(export.playlist, entry_count=len(export.entries))
    create_playlist(conn, playlist)
    conn.executemany(
        "INSERT INTO playlist_entries (playlist_id, id, track_id, added_by, added_at, pos) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (playlist.id, e.id, e.track_id, e.added_by, e.added_at, pos)
            for pos, e in enumerate(export.entries)
        ],
    )
    conn.executemany(
        "INSERT INTO playlist_collaborators (playlist_id, user_id) VALUES (?, ?)",
        [(playlist.id, u) for u in playlist.collaborators],
    )
    conn.executemany(
        "INSERT INTO playlist_followers (playlist_id, user_id, followed_at) VALUES (?, ?, ?)",
        [(playlist.id, u, playlist.updated_at) for u in export.followers],
    )
    return True
