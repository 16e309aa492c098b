"""Password hashing with scrypt (stdlib), in a self-describing encoded string.

Encoded form: ``scrypt$<n>$<r>$<p>$<salt, base64>$<key, base64>``, so the
cost parameters can be raised later without breaking stored hashes.
Hashing takes tens of milliseconds on purpose: the async functions run it on
a worker thread, never on the event loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import anyio

from segue.errors import InvalidInput

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
KEY_LENGTH = 32
SALT_LENGTH = 16
MIN_PASSWORD_LENGTH = 8
# scrypt needs 128 * n * r bytes; leave headroom above OpenSSL's 32 MiB default.
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=_MAXMEM
    )


def check_password_policy(password: str) -> None:
    """Raise InvalidInput when a new password is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password too short: it needs at least {MIN_PASSWORD_LENGTH} characters, "
            f"this one has {len(password)}"
        )


def hash_password_sync(password: str) -> str:
    """The encoded scrypt hash of ``password`` with a fresh random salt (blocking)."""
    salt = secrets.token_bytes(SALT_LENGTH)
    key = _derive(password, salt, N, R, P, KEY_LENGTH)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_password_sync(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; compares in constant time (blocking)."""
    try:
        scheme, n, r, p, salt_b64, key_b64 = encoded.split("$")
        if scheme != SCHEME:
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(key_b64)
        key = _derive(password, salt, int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False  # not a hash this code wrote: treat as no match
    return hmac.compare_digest(key, expected)


async def hash_password(password: str) -> str:
    """Hash ``password`` on a worker thread."""
    return await anyio.to_thread.run_sync(hash_password_sync, password)


async def verify_password(password: str, encoded: str | None) -> bool:
    """Check ``password`` on a worker thread.

    With ``encoded=None`` (unknown user) a hash is still computed, so that the
    answer takes as long as for a known user with a wrong password.
    """
    if encoded is None:
        await anyio.to_thread.run_sync(verify_password_sync, password, _DUMMY_HASH)
        return False
    return await anyio.to_thread.run_sync(verify_password_sync, password, encoded)


_DUMMY_HASH = f"{SCHEME}${N}${R}${P}${_b64(b'0' * SALT_LENGTH)}${_b64(b'0' * KEY_LENGTH)}"
