"""Subsonic authentication: ``u`` with a token (``t``+``s``) or a password (``p``), or ``apiKey``.

* token: ``t = md5(subsonic_password + s)``; needs the user's Subsonic
  password (see ``segue_subsonic.sealing``), error 41 when none is set;
* ``p``: the password in clear or ``enc:`` + hex; the Subsonic password, or
  the login password when ``accept_login_password`` is on;
* ``apiKey`` (OpenSubsonic): a Segue API key or login token; no ``u`` with it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import weakref

from segue.auth.passwords import verify_password
from segue.auth.tokens import hash_secret
from segue.context import SegueContext
from segue.models import User
from segue_subsonic.call import Call
from segue_subsonic.envelope import ErrorCode, SubsonicError, missing
from segue_subsonic.sealing import get_password

_TOUCH_INTERVAL_S = 60.0
LOGIN_PASSWORD_MEMORY_S = 60.0
"""How long a login password checked with ``p=`` is remembered.

Clients using ``p=`` send it with every request (each cover, each stream):
checking scrypt each time would cost tens of milliseconds of CPU per call.
"""
_MEMORY_MAX = 1024
SET_PASSWORD_HINT = (
    "set a Subsonic password first (PUT /api/v1/me/subsonic-password, or "
    "`segue subsonic set-password USER`), or use an API key (apiKey=)"
)


def _wrong() -> SubsonicError:
    return SubsonicError(ErrorCode.WRONG_CREDENTIALS, "Wrong username or password")


def decode_password(raw: str) -> str:
    """``p`` as sent: clear text, or ``enc:`` followed by the UTF-8 bytes in hex."""
    if not raw.startswith("enc:"):
        return raw
    try:
        return bytes.fromhex(raw[4:]).decode("utf-8")
    except ValueError:
        raise SubsonicError(
            ErrorCode.WRONG_CREDENTIALS,
            "Wrong username or password: p=enc:... must be hex-encoded UTF-8",
        ) from None


class _Failures:
    """Failed authentications per client address in the current minute (this process)."""

    def __init__(self) -> None:
        self.minute = 0
        self.counts: dict[str, int] = {}

    def _now(self) -> int:
        minute = int(time.time() // 60)
        if minute != self.minute:
            self.minute, self.counts = minute, {}
        return minute

    def blocked(self, address: str, limit: int) -> bool:
        self._now()
        return self.counts.get(address, 0) >= limit

    def add(self, address: str) -> None:
        self._now()
        self.counts[address] = self.counts.get(address, 0) + 1


_failures: weakref.WeakKeyDictionary[SegueContext, _Failures] = weakref.WeakKeyDictionary()
_COUNTED = (ErrorCode.WRONG_CREDENTIALS, ErrorCode.INVALID_API_KEY)


async def authenticate(call: Call) -> User:
    """The user this call authenticates as, or a SubsonicError with the spec's code.

    Like the login route, a client address gets ``[auth] login_attempts_per_minute``
    failed attempts a minute; after that every attempt fails until the minute ends,
    so passwords cannot be guessed at speed through ``/rest``.
    """
    failures = _failures.setdefault(call.context, _Failures())
    client = call.request.client
    address = client.host if client else "unknown"
    if failures.blocked(address, call.context.config.auth.login_attempts_per_minute):
        raise SubsonicError(
            ErrorCode.WRONG_CREDENTIALS,
            "Wrong username or password: too many failed attempts from this address, "
            "try again in a minute",
        )
    try:
        return await _authenticate(call)
    except SubsonicError as exc:
        if exc.code in _COUNTED:
            failures.add(address)
        raise


async def _authenticate(call: Call) -> User:
    params = call.params
    api_key = params.get("apiKey")
    username = params.get("u")
    if api_key:
        if username or params.get("p") or params.get("t"):
            raise SubsonicError(
                ErrorCode.CONFLICTING_AUTH,
                "Multiple conflicting authentication mechanisms provided: "
                "send apiKey alone, without u, p or t",
            )
        return await _by_api_key(call, api_key)
    if not username:
        raise missing("u (or apiKey)")
    token, salt, password = params.get("t"), params.get("s"), params.get("p")
    if token and password:
        raise SubsonicError(
            ErrorCode.CONFLICTING_AUTH,
            "Multiple conflicting authentication mechanisms provided: send t and s, or p",
        )
    if token:
        if not salt:
            raise missing("s (the salt of token t)")
        return await _by_token(call, username, token, salt)
    if password:
        return await _by_password(call, username, decode_password(password))
    raise missing("t and s, or p (or apiKey)")


async def _by_api_key(call: Call, api_key: str) -> User:
    catalog = call.context.catalog
    found = await catalog.find_credential(hash_secret(api_key))
    if found is None:
        raise SubsonicError(ErrorCode.INVALID_API_KEY, "Invalid API key")
    credential, user = found
    now = time.time()
    if credential.last_used_at is None or now - credential.last_used_at > _TOUCH_INTERVAL_S:
        await catalog.touch_credential(credential.id, now)
    return user


async def _by_token(call: Call, username: str, token: str, salt: str) -> User:
    user = await call.context.catalog.get_user_by_name(username)
    if user is None:
        raise _wrong()
    secret = await get_password(call.context, call.config, user.id)
    if secret is None:
        raise SubsonicError(
            ErrorCode.TOKEN_AUTH_NOT_SUPPORTED,
            f"Token authentication not supported for user {user.name!r}: {SET_PASSWORD_HINT}",
        )
    expected = hashlib.md5((secret + salt).encode("utf-8"), usedforsecurity=False).hexdigest()
    if not hmac.compare_digest(expected, token.strip().lower()):
        raise _wrong()
    return user


class _Remembered:
    """Login passwords recently verified in this process: (user id, sha256) -> until."""

    def __init__(self) -> None:
        self.until: dict[tuple[str, str], float] = {}

    def knows(self, key: tuple[str, str]) -> bool:
        return self.until.get(key, 0.0) > time.monotonic()

    def remember(self, key: tuple[str, str]) -> None:
        if len(self.until) >= _MEMORY_MAX:
            now = time.monotonic()
            self.until = {k: t for k, t in self.until.items() if t > now}
            if len(self.until) >= _MEMORY_MAX:
                self.until.clear()
        self.until[key] = time.monotonic() + LOGIN_PASSWORD_MEMORY_S


_remembered: weakref.WeakKeyDictionary[SegueContext, _Remembered] = weakref.WeakKeyDictionary()


async def _by_password(call: Call, username: str, password: str) -> User:
    context = call.context
    user = await context.catalog.get_user_by_name(username)
    if user is not None:
        secret = await get_password(context, call.config, user.id)
        if secret is not None and hmac.compare_digest(secret.encode(), password.encode()):
            return user
    if call.config.accept_login_password:
        memory = _remembered.setdefault(context, _Remembered())
        key = (user.id if user else "", hashlib.sha256(password.encode()).hexdigest())
        if user is not None and memory.knows(key):
            return user
        stored = await context.catalog.get_password_hash(user.id) if user else None
        if await verify_password(password, stored) and user is not None:
            memory.remember(key)
            return user
    raise _wrong()
