"""The social graph (friendships, requests, blocks, privacy), on a worker thread's connection."""

from __future__ import annotations

import secrets
import sqlite3
import time

from segue.errors import Conflict, InvalidInput, NotFound
from segue.social.models import BlockedUser, Friend, FriendRequest, PrivacySettings

_REQUEST_SELECT = (
    "r.id, r.from_user_id, f.name AS from_name, r.to_user_id, t.name AS to_name, r.created_at "
    "FROM friend_requests AS r JOIN users AS f ON f.id = r.from_user_id "
    "JOIN users AS t ON t.id = r.to_user_id"
)
_FRIEND_SELECT = (
    "fr.friend_id, u.name, fr.since, p.private_session, p.private_until, p.publish_activity "
    "FROM friendships AS fr JOIN users AS u ON u.id = fr.friend_id "
    "LEFT JOIN privacy AS p ON p.user_id = fr.friend_id"
)


def _request_from_row(row: sqlite3.Row) -> FriendRequest:
    return FriendRequest(
        id=row["id"],
        from_user_id=row["from_user_id"],
        from_name=row["from_name"],
        to_user_id=row["to_user_id"],
        to_name=row["to_name"],
        created_at=row["created_at"],
    )


def _privacy_from_row(row: sqlite3.Row) -> PrivacySettings:
    if row["private_session"] is None:
        return PrivacySettings()
    return PrivacySettings(
        private_session=bool(row["private_session"]),
        private_until=row["private_until"],
        publish_activity=bool(row["publish_activity"]),
    )


def _friend_from_row(row: sqlite3.Row) -> Friend:
    return Friend(
        user_id=row["friend_id"],
        name=row["name"],
        since=row["since"],
        privacy=_privacy_from_row(row),
    )


def _user_name(conn: sqlite3.Connection, user_id: str) -> str:
    row = conn.execute("SELECT name FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFound(f"no user with id '{user_id}'")
    return str(row[0])


def _blocked_either_way(conn: sqlite3.Connection, a: str, b: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM blocks WHERE (user_id = ? AND blocked_id = ?) "
        "OR (user_id = ? AND blocked_id = ?)",
        (a, b, b, a),
    ).fetchone()
    return row is not None


def _are_friends(conn: sqlite3.Connection, a: str, b: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?", (a, b)
    ).fetchone()
    return row is not None


def create_friend_request(
    conn: sqlite3.Connection, from_user_id: str, to_user_id: str
) -> FriendRequest:
    if from_user_id == to_user_id:
        raise InvalidInput("you cannot send a friend request to yourself; name another user")
    _user_name(conn, from_user_id)
    to_name = _user_name(conn, to_user_id)
    if _blocked_either_way(conn, from_user_id, to_user_id):
        # Same words whoever blocked whom: a blocked user learns nothing.
        raise Conflict(f"a friend request to '{to_name}' is not possible")
    if _are_friends(conn, from_user_id, to_user_id):
        raise Conflict(f"you are already friends with '{to_name}'")
    pending = conn.execute(
        f"SELECT {_REQUEST_SELECT} WHERE (r.from_user_id = ? AND r.to_user_id = ?) "
        "OR (r.from_user_id = ? AND r.to_user_id = ?)",
        (from_user_id, to_user_id, to_user_id, from_user_id),
    ).fetchone()
    if pending is not None:
        if pending["from_user_id"] == from_user_id:
            raise Conflict(
                f"your friend request to '{to_name}' is pending already (id '{pending['id']}')"
            )
        raise Conflict(
            f"'{to_name}' already sent you a friend request: accept it with "
            f"POST /api/v1/friends/requests/{pending['id']}/accept"
        )
    request_id = "fq" + secrets.token_hex(8)
    conn.execute(
        "INSERT INTO friend_requests (id, from_user_id, to_user_id, created_at) VALUES (?, ?, ?, ?)",
        (request_id, from_user_id, to_user_id, time.time()),
    )
    row = conn.execute(f"SELECT {_REQUEST_SELECT} WHERE r.id = ?", (request_id,)).fetchone()
    return _request_from_row(row)


def list_friend_requests(conn: sqlite3.Connection, user_id: str) -> list[FriendRequest]:
    rows = conn.execute(
        f"SELECT {_REQUEST_SELECT} WHERE r.from_user_id = ? OR r.to_user_id = ? "
        "ORDER BY r.created_at, r.id",
        (user_id, user_id),
    )
    return [_request_from_row(row) for row in rows]


def accept_friend_request(conn: sqlite3.Connection, request_id: str, user_id: str) -> Friend:
    row = conn.execute(
        "SELECT from_user_id FROM friend_requests WHERE id = ? AND to_user_id = ?",
        (request_id, user_id),
    ).fetchone()
    if row is None:
        raise NotFound(
            f"no pending friend request '{request_id}' is addressed to you; "
            "see GET /api/v1/friends/requests"
        )
    sender = str(row[0])
    now = time.time()
    conn.execute("DELETE FROM friend_requests WHERE id = ?", (request_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO friendships (user_id, friend_id, since) VALUES (?, ?, ?)",
        [(user_id, sender, now), (sender, user_id, now)],
    )
    friend = get_friend(conn, user_id, sender)
    assert friend is not None  # inserted just above, in this transaction
    return friend


def delete_friend_request(conn: sqlite3.Connection, request_id: str, user_id: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM friend_requests WHERE id = ? AND (from_user_id = ? OR to_user_id = ?)",
        (request_id, user_id, user_id),
    )
    return cursor.rowcount > 0


def list_friends(conn: sqlite3.Connection, user_id: str) -> list[Friend]:
    rows = conn.execute(
        f"SELECT {_FRIEND_SELECT} WHERE fr.user_id = ? ORDER BY u.name_key, u.id", (user_id,)
    )
    return [_friend_from_row(row) for row in rows]


def get_friend(conn: sqlite3.Connection, user_id: str, friend_id: str) -> Friend | None:
    row = conn.execute(
        f"SELECT {_FRIEND_SELECT} WHERE fr.user_id = ? AND fr.friend_id = ?", (user_id, friend_id)
    ).fetchone()
    return None if row is None else _friend_from_row(row)


def _unfriend(conn: sqlite3.Connection, a: str, b: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM friendships WHERE (user_id = ? AND friend_id = ?) "
        "OR (user_id = ? AND friend_id = ?)",
        (a, b, b, a),
    )
    return cursor.rowcount > 0


def remove_friend(conn: sqlite3.Connection, user_id: str, friend_id: str) -> bool:
    return _unfriend(conn, user_id, friend_id)


def block_user(conn: sqlite3.Connection, user_id: str, blocked_id: str) -> BlockedUser:
    if user_id == blocked_id:
        raise InvalidInput("you cannot block yourself; name another user")
    _user_name(conn, user_id)
    name = _user_name(conn, blocked_id)
    _unfriend(conn, user_id, blocked_id)
    conn.execute(
        "DELETE FROM friend_requests WHERE (from_user_id = ? AND to_user_id = ?) "
        "OR (from_user_id = ? AND to_user_id = ?)",
        (user_id, blocked_id, blocked_id, user_id),
    )
    conn.execute(
        "INSERT OR IGNORE INTO blocks (user_id, blocked_id, blocked_at) VALUES (?, ?, ?)",
        (user_id, blocked_id, time.time()),
    )
    row = conn.execute(
        "SELECT blocked_at FROM blocks WHERE user_id = ? AND blocked_id = ?", (user_id, blocked_id)
    ).fetchone()
    return BlockedUser(user_id=blocked_id, name=name, blocked_at=row[0])


def unblock_user(conn: sqlite3.Connection, user_id: str, blocked_id: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?", (user_id, blocked_id)
    )
    return cursor.rowcount > 0


def list_blocks(conn: sqlite3.Connection, user_id: str) -> list[BlockedUser]:
    rows = conn.execute(
        "SELECT b.blocked_id, u.name, b.blocked_at FROM blocks AS b "
        "JOIN users AS u ON u.id = b.blocked_id WHERE b.user_id = ? ORDER BY u.name_key, u.id",
        (user_id,),
    )
    return [BlockedUser(user_id=r[0], name=r[1], blocked_at=r[2]) for r in rows]


def get_privacy(conn: sqlite3.Connection, user_id: str) -> PrivacySettings:
    row = conn.execute(
        "SELECT private_session, private_until, publish_activity FROM privacy WHERE user_id = ?",
        (user_id,),
    ).fetchone()
    return PrivacySettings() if row is None else _privacy_from_row(row)


def set_privacy(conn: sqlite3.Connection, user_id: str, settings: PrivacySettings) -> None:
    _user_name(conn, user_id)
    conn.execute(
        "INSERT INTO privacy (user_id, private_session, private_until, publish_activity) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
        "private_session = excluded.private_session, private_until = excluded.private_until, "
        "publish_activity = excluded.publish_activity",
        (
            user_id,
            int(settings.private_session),
            settings.private_until,
            int(settings.publish_activity),
        ),
    )
