"""Export and import of the whole catalog (``CatalogTransfer``), for moving between backends.

Exports read in keyset pages on a reader connection; imports ``INSERT OR
IGNORE`` by id in one write transaction per chunk, so running a migration
twice stores everything once and never overwrites what changed in between.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from segue.catalog.transfer import (
    BlockRecord,
    CatalogChunk,
    FriendRequestRecord,
    FriendshipRecord,
    ImportCounts,
    PrivacyRecord,
    SecretRecord,
    UserRecord,
)
from segue.errors import Conflict
from segue.social.models import PrivacySettings
from segue_catalog_sqlite import aggregates, scan_state
from segue_catalog_sqlite.ingest import _INSERT_TRACK, _write_genres
from segue_catalog_sqlite.rows import (
    CREDENTIAL_SELECT,
    FACT_COLUMNS,
    TRACK_SELECT,
    USER_SELECT,
    Derived,
    credential_from_row,
    fact_values,
    track_from_row,
    user_from_row,
)
from segue_catalog_sqlite.users import name_key

PAGE = 1000
"""Tracks per exported chunk."""


def export_users(conn: sqlite3.Connection) -> CatalogChunk:
    rows = conn.execute(f"SELECT {USER_SELECT}, u.password_hash FROM users AS u ORDER BY u.id")
    return CatalogChunk(
        users=[UserRecord(user=user_from_row(r), password_hash=r["password_hash"]) for r in rows]
    )


def export_tracks(conn: sqlite3.Connection, after: str) -> CatalogChunk:
    """The next page of tracks, by id, after ``after``."""
    rows = conn.execute(
        f"SELECT {TRACK_SELECT} FROM tracks AS t WHERE t.id > ? ORDER BY t.id LIMIT ?",
        (after, PAGE),
    )
    return CatalogChunk(tracks=[track_from_row(row) for row in rows])


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return row.fetchone() is not None


def export_the_rest(conn: sqlite3.Connection) -> CatalogChunk:
    """Credentials, the social graph, secrets and the scan state."""
    credentials = [
        credential_from_row(r)
        for r in conn.execute(f"SELECT {CREDENTIAL_SELECT} FROM credentials AS c ORDER BY c.id")
    ]
    friendships = [
        FriendshipRecord(user_id=a, friend_id=b, since=since)
        for a, b, since in conn.execute("SELECT user_id, friend_id, since FROM friendships")
    ]
    requests = [
        FriendRequestRecord(id=i, from_user_id=f, to_user_id=t, created_at=at)
        for i, f, t, at in conn.execute(
            "SELECT id, from_user_id, to_user_id, created_at FROM friend_requests"
        )
    ]
    blocks = [
        BlockRecord(user_id=a, blocked_id=b, blocked_at=at)
        for a, b, at in conn.execute("SELECT user_id, blocked_id, blocked_at FROM blocks")
    ]
    privacy = [
        PrivacyRecord(
            user_id=u,
            settings=PrivacySettings(
                private_session=bool(ps), private_until=until, publish_activity=bool(pa)
            ),
        )
        for u, ps, until, pa in conn.execute(
            "SELECT user_id, private_session, private_until, publish_activity FROM privacy"
        )
    ]
    secrets: list[SecretRecord] = []
    if _has_table(conn, "user_secrets"):
        secrets = [
            SecretRecord(user_id=u, name=n, value=v)
            for u, n, v in conn.execute("SELECT user_id, name, value FROM user_secrets")
        ]
    return CatalogChunk(
        credentials=credentials,
        friendships=friendships,
        friend_requests=requests,
        blocks=blocks,
        privacy=privacy,
        secrets=secrets,
        problems=scan_state.list_problems(conn),
        scan_report=scan_state.last_scan_report(conn),
    )


def _insert(conn: sqlite3.Connection, sql: str, rows: list[Any]) -> int:
    before = conn.total_changes
    conn.executemany(sql, rows)
    return conn.total_changes - before


def _check_user_names(conn: sqlite3.Connection, records: list[UserRecord]) -> None:
    for record in records:
        row = conn.execute(
            "SELECT id, name FROM users WHERE name_key = ?", (name_key(record.user.name),)
        ).fetchone()
        if row is not None and row["id"] != record.user.id:
            raise Conflict(
                f"the target catalog already has a user named '{row['name']}' (id "
                f"'{row['id']}') that is not the migrated '{record.user.name}' (id "
                f"'{record.user.id}'); migrate into an empty catalog, or remove that user"
            )


def import_catalog(conn: sqlite3.Connection, chunk: CatalogChunk) -> ImportCounts:
    counts = ImportCounts()
    _check_user_names(conn, chunk.users)
    counts.users = _insert(
        conn,
        "INSERT OR IGNORE INTO users (id, name, name_key, password_hash, is_admin, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (r.user.id, r.user.name, name_key(r.user.name), r.password_hash,
             int(r.user.is_admin), r.user.created_at)
            for r in chunk.users
        ],
    )  # fmt: skip
    if chunk.tracks:
        fresh = [
            t
            for t in chunk.tracks
            if conn.execute("SELECT 1 FROM tracks WHERE id = ?", (t.id,)).fetchone() is None
        ]
        touched = aggregates.Touched()
        rows = []
        for track in fresh:
            derived = Derived.of(track)
            touched.add(
                derived.grouping.album_id,
                derived.grouping.artist_id,
                derived.grouping.album_artist_id,
            )
            rows.append(
                # A Track's fields start with ScannedTrack's, in order: keep those.
                [*fact_values(track)[: len(FACT_COLUMNS)], *derived.values(), track.id, track.play_count,
                 track.added_at, track.updated_at, int(track.missing)]
            )  # fmt: skip
        counts.tracks = _insert(conn, _INSERT_TRACK, rows)
        _write_genres(conn, fresh, replace=[])
        aggregates.recompute(conn, touched)
    counts.credentials = _insert(
        conn,
        "INSERT OR IGNORE INTO credentials (id, user_id, kind, name, token_hash, created_at, "
        "expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (c.id, c.user_id, c.kind, c.name, c.token_hash, c.created_at, c.expires_at,
             c.last_used_at)
            for c in chunk.credentials
        ],
    )  # fmt: skip
    counts.friendships = _insert(
        conn,
        "INSERT OR IGNORE INTO friendships (user_id, friend_id, since) VALUES (?, ?, ?)",
        [
            pair
            for f in chunk.friendships
            for pair in ((f.user_id, f.friend_id, f.since), (f.friend_id, f.user_id, f.since))
        ],
    )
    counts.friend_requests = _insert(
        conn,
        "INSERT OR IGNORE INTO friend_requests (id, from_user_id, to_user_id, created_at) "
        "VALUES (?, ?, ?, ?)",
        [(r.id, r.from_user_id, r.to_user_id, r.created_at) for r in chunk.friend_requests],
    )
    counts.blocks = _insert(
        conn,
        "INSERT OR IGNORE INTO blocks (user_id, blocked_id, blocked_at) VALUES (?, ?, ?)",
        [(b.user_id, b.blocked_id, b.blocked_at) for b in chunk.blocks],
    )
    counts.privacy = _insert(
        conn,
        "INSERT OR IGNORE INTO privacy (user_id, private_session, private_until, "
        "publish_activity) VALUES (?, ?, ?, ?)",
        [
            (p.user_id, int(p.settings.private_session), p.settings.private_until,
             int(p.settings.publish_activity))
            for p in chunk.privacy
        ],
    )  # fmt: skip
    if chunk.secrets and _has_table(conn, "user_secrets"):
        counts.secrets = _insert(
            conn,
            "INSERT OR IGNORE INTO user_secrets (user_id, name, value) VALUES (?, ?, ?)",
            [(s.user_id, s.name, s.value) for s in chunk.secrets],
        )
    counts.problems = _insert(
        conn,
        "INSERT OR IGNORE INTO scan_problems (root, relpath, reason, seen_at) VALUES (?, ?, ?, ?)",
        [(p.root, p.relpath, p.reason, p.seen_at) for p in chunk.problems],
    )
    if chunk.scan_report is not None and scan_state.last_scan_report(conn) is None:
        scan_state.save_scan_report(conn, chunk.scan_report)
    return counts
