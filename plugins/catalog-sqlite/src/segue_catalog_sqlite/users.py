"""Users and their credentials (session tokens, API keys), on a worker thread's connection."""

from __future__ import annotations

import secrets
import sqlite3
import time

from segue.errors import Conflict, InvalidInput, NotFound
from segue.models import Credential, User
from segue_catalog_sqlite.rows import (
    CREDENTIAL_SELECT,
    USER_SELECT,
    credential_from_row,
    user_from_row,
)


def name_key(name: str) -> str:
    """User names are unique and looked up case-insensitively."""
    return name.strip().casefold()


def create_user(conn: sqlite3.Connection, name: str, password_hash: str, *, is_admin: bool) -> User:
    shown = name.strip()
    if not shown:
        raise InvalidInput("a user name cannot be empty; give at least one visible character")
    taken = conn.execute("SELECT name FROM users WHERE name_key = ?", (name_key(shown),)).fetchone()
    if taken is not None:
        raise Conflict(
            f"a user named '{taken['name']}' already exists (names are compared "
            f"ignoring case), so '{shown}' cannot be created; choose another name"
        )
    user = User(
        id="us" + secrets.token_hex(8), name=shown, is_admin=is_admin, created_at=time.time()
    )
    conn.execute(
        "INSERT INTO users (id, name, name_key, password_hash, is_admin, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (user.id, user.name, name_key(shown), password_hash, int(is_admin), user.created_at),
    )
    return user


def get_user(conn: sqlite3.Connection, user_id: str) -> User | None:
    row = conn.execute(
        f"SELECT {USER_SELECT} FROM users AS u WHERE u.id = ?", (user_id,)
    ).fetchone()
    return None if row is None else user_from_row(row)


def get_user_by_name(conn: sqlite3.Connection, name: str) -> User | None:
    row = conn.execute(
        f"SELECT {USER_SELECT} FROM users AS u WHERE u.name_key = ?", (name_key(name),)
    ).fetchone()
    return None if row is None else user_from_row(row)


def get_password_hash(conn: sqlite3.Connection, user_id: str) -> str | None:
    row = conn.execute("SELECT password_hash FROM users WHERE id = ?", (user_id,)).fetchone()
    return None if row is None else str(row[0])


def set_password_hash(conn: sqlite3.Connection, user_id: str, password_hash: str) -> None:
    cursor = conn.execute(
        "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id)
    )
    if cursor.rowcount == 0:
        raise NotFound(f"no user with id '{user_id}'")


def list_users(conn: sqlite3.Connection) -> list[User]:
    rows = conn.execute(f"SELECT {USER_SELECT} FROM users AS u ORDER BY u.name_key, u.id")
    return [user_from_row(row) for row in rows]


def count_users(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM users").fetchone()[0])


def add_credential(conn: sqlite3.Connection, credential: Credential) -> None:
    if get_user(conn, credential.user_id) is None:
        raise NotFound(f"cannot add a credential for user '{credential.user_id}': no such user")
    try:
        conn.execute(
            "INSERT INTO credentials (id, user_id, kind, name, token_hash, created_at, "
            "expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                credential.id,
                credential.user_id,
                credential.kind,
                credential.name,
                credential.token_hash,
                credential.created_at,
                credential.expires_at,
                credential.last_used_at,
            ),
        )
    except sqlite3.IntegrityError:
        raise Conflict(
            f"a credential with id '{credential.id}' or the same token already exists"
        ) from None


def find_credential(
    conn: sqlite3.Connection, token_hash: str, now: float
) -> tuple[Credential, User] | None:
    row = conn.execute(
        f"SELECT {CREDENTIAL_SELECT} FROM credentials AS c "
        "WHERE c.token_hash = ? AND (c.expires_at IS NULL OR c.expires_at > ?)",
        (token_hash, now),
    ).fetchone()
    if row is None:
        return None
    credential = credential_from_row(row)
    user = get_user(conn, credential.user_id)
    return None if user is None else (credential, user)


def touch_credential(conn: sqlite3.Connection, credential_id: str, used_at: float) -> None:
    conn.execute("UPDATE credentials SET last_used_at = ? WHERE id = ?", (used_at, credential_id))


def list_credentials(conn: sqlite3.Connection, user_id: str) -> list[Credential]:
    rows = conn.execute(
        f"SELECT {CREDENTIAL_SELECT} FROM credentials AS c WHERE c.user_id = ? "
        "ORDER BY c.created_at, c.id",
        (user_id,),
    )
    return [credential_from_row(row) for row in rows]


def delete_credential(conn: sqlite3.Connection, user_id: str, credential_id: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM credentials WHERE id = ? AND user_id = ?", (credential_id, user_id)
    )
    return cursor.rowcount > 0


def get_user_secret(conn: sqlite3.Connection, user_id: str, name: str) -> str | None:
    row = conn.execute(
        "SELECT value FROM user_secrets WHERE user_id = ? AND name = ?", (user_id, name)
    ).fetchone()
    return None if row is None else str(row[0])


def set_user_secret(conn: sqlite3.Connection, user_id: str, name: str, value: str | None) -> None:
    if conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone() is None:
        raise NotFound(f"no user with id '{user_id}'")
    if value is None:
        conn.execute("DELETE FROM user_secrets WHERE user_id = ? AND name = ?", (user_id, name))
        return
    conn.execute(
        "INSERT INTO user_secrets (user_id, name, value) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value",
        (user_id, name, value),
    )
