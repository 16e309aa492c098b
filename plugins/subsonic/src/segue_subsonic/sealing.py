"""Subsonic passwords, encrypted with a server key, and per-user ratings.

Subsonic token auth sends ``md5(password + salt)``: checking it needs the
password itself, so it cannot be the login password (Segue keeps only a
scrypt hash of that). Each user may set a separate Subsonic password, kept
reversibly encrypted (Fernet) in the catalog's per-user secrets, so every
server process sharing the catalog and the key can check it.
"""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import msgspec
from cryptography.fernet import Fernet, InvalidToken

from segue.context import SegueContext
from segue.errors import InvalidInput, SegueError
from segue_subsonic.config import SubsonicConfig

PASSWORD_SECRET = "subsonic.password"
RATINGS_SECRET = "subsonic.ratings"
KEY_FILE = "subsonic.key"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
_ratings = msgspec.json.Decoder(dict[str, int])


class KeyUnavailable(SegueError):
    """The configured key cannot be used (the message says how to fix it)."""


def _fernet_from(key: str, where: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError):
        raise KeyUnavailable(
            f"{where} is not a Fernet key: it must be 32 url-safe base64-encoded bytes "
            "(make one with Fernet.generate_key())"
        ) from None


def _load_or_create_key(path: Path) -> str:
    # O_EXCL: two processes starting together agree on the first key written.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(Fernet.generate_key().decode())
    return path.read_text(encoding="ascii").strip()


async def fernet(context: SegueContext, config: SubsonicConfig) -> Fernet:
    """The server's Fernet: ``secret_key`` from the config, else the data dir's key file."""
    if config.secret_key:
        return _fernet_from(config.secret_key, "[plugins.subsonic] secret_key")
    path = context.data_dir / KEY_FILE
    key = await anyio.to_thread.run_sync(_load_or_create_key, path)
    return _fernet_from(key, str(path))


def check_new_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a Subsonic password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} "
            f"characters; this one has {len(password)}"
        )


async def set_password(
    context: SegueContext, config: SubsonicConfig, user_id: str, password: str | None
) -> None:
    """Store (encrypted) or, with ``None``, remove the user's Subsonic password."""
    if password is None:
        await context.catalog.set_user_secret(user_id, PASSWORD_SECRET, None)
        return
    check_new_password(password)
    sealed = (await fernet(context, config)).encrypt(password.encode()).decode()
    await context.catalog.set_user_secret(user_id, PASSWORD_SECRET, sealed)


async def get_password(context: SegueContext, config: SubsonicConfig, user_id: str) -> str | None:
    """The user's Subsonic password, or None if never set (or sealed with another key)."""
    sealed = await context.catalog.get_user_secret(user_id, PASSWORD_SECRET)
    if sealed is None:
        return None
    try:
        return (await fernet(context, config)).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None  # the key changed: the user must set the password again


async def get_ratings(context: SegueContext, user_id: str) -> dict[str, int]:
    """The user's ratings (item id -> 1..5). Kept in the catalog so every process sees them."""
    raw = await context.catalog.get_user_secret(user_id, RATINGS_SECRET)
    if not raw:
        return {}
    try:
        return _ratings.decode(raw)
    except msgspec.ValidationError:
        return {}


async def set_rating(context: SegueContext, user_id: str, item_id: str, rating: int) -> None:
    """Rate an item 1..5, or remove its rating with 0."""
    ratings = await get_ratings(context, user_id)
    if rating == 0:
        ratings.pop(item_id, None)
    else:
        ratings[item_id] = rating
    value = msgspec.json.encode(ratings).decode() if ratings else None
    await context.catalog.set_user_secret(user_id, RATINGS_SECRET, value)
