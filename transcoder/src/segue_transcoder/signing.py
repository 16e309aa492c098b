"""Signed, expiring stream URLs: an HMAC over the path, format, quality, version and expiry.

A signed URL needs no credentials, so a CDN or reverse proxy can fetch and
cache it. Its ``v`` (the rendition's fingerprint) pins the exact bytes: the
URL is immutable, and a changed source gets a new URL.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

SECRET_FILE = "signing.key"


class SignatureRefused(Exception):
    """The signature is missing, wrong, or expired (the message says which)."""


def load_or_create_secret(configured: str, directory: Path) -> bytes:
    """The configured secret, else the one kept in ``directory`` (made on first use).

    Blocking (file I/O): call it from a thread.
    """
    if configured:
        return configured.encode()
    path = directory / SECRET_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    directory.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32).encode()
    temp = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(4)}")
    temp.write_bytes(secret)
    temp.chmod(0o600)
    try:
        # Another process may have made one meanwhile: link fails then, and theirs wins.
        path.hardlink_to(temp)
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
    return path.read_bytes().strip()


class Signer:
    """Signs and checks stream URLs with one secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, path: str, fmt: str, quality: str, version: str, expires: int) -> str:
        message = "\n".join((path, fmt, quality, version, str(expires))).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, path: str, *, fmt: str, quality: str, version: str, expires: int) -> str:
        """``path?format=..&quality=..&v=..&expires=..&sig=..``."""
        query = {
            "format": fmt,
            "quality": quality,
            "v": version,
            "expires": str(expires),
            "sig": self._mac(path, fmt, quality, version, expires),
        }
        return f"{path}?{urlencode(query)}"

    def check(
        self,
        path: str,
        *,
        fmt: str,
        quality: str,
        version: str,
        expires: int,
        sig: str,
        now: float | None = None,
    ) -> None:
        """Raise :class:`SignatureRefused` unless ``sig`` signs these values and is unexpired."""
        expected = self._mac(path, fmt, quality, version, expires)
        if not hmac.compare_digest(expected, sig):
            raise SignatureRefused(
                "the stream URL's signature does not match its path and parameters; "
                "ask for a new one with GET /api/v1/tracks/{id}/signed-stream"
            )
        if expires < (time.time() if now is None else now):
            raise SignatureRefused(
                "the signed stream URL has expired; ask for a new one with "
                "GET /api/v1/tracks/{id}/signed-stream"
            )
