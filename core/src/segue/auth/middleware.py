"""Authentication middleware: every request carries a token or API key, unless public.

A handler opts out with ``opt={"public": True}`` (health, login, the OpenAPI
documents). The secret is read from, in order:

* ``Authorization: Bearer <token or key>``
* ``X-API-Key: <key>``
* ``?token=<token or key>`` — for ``<audio src>`` and Subsonic-style players
  that cannot set headers.

On success ``request.user`` is a :class:`segue.models.User` and
``request.auth`` the :class:`segue.models.Credential` used.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from segue.auth.tokens import hash_secret
from segue.context import SegueContext

PUBLIC_OPT_KEY = "public"
"""``opt`` key that makes a route handler (or router/controller) public."""
# Writing last_used_at on every request (each audio range request!) costs a
# database write; once a minute is precise enough for "last used".
_TOUCH_INTERVAL_S = 60.0
_HOW_TO = "send 'Authorization: Bearer <token>' (from POST /api/v1/auth/login), 'X-API-Key: <key>' or ?token=<token>"


def _challenge(detail: str) -> NotAuthorizedException:
    return NotAuthorizedException(detail=detail, headers={"WWW-Authenticate": "Bearer"})


def secret_from(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token or key a request carries, or None."""
    authorization = connection.headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _challenge("the Authorization header must be 'Bearer <token or API key>'")
        return value.strip()
    api_key = connection.headers.get("x-api-key")
    if api_key:
        return api_key.strip()
    token = connection.query_params.get("token")
    return token or None


class TokenAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Resolves the request's bearer token or API key to a user (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, context: SegueContext, exclude: str | list[str] | None = None
    ) -> None:
        super().__init__(app, exclude=exclude, exclude_from_auth_key=PUBLIC_OPT_KEY)
        self.context = context

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        secret = secret_from(connection)
        if secret is None:
            raise _challenge(f"authentication required: {_HOW_TO}")
        found = await self.context.catalog.find_credential(hash_secret(secret))
        if found is None:
            raise _challenge(
                "invalid or expired token or API key: log in again with POST /api/v1/auth/login"
            )
        credential, user = found
        now = time.time()
        if credential.last_used_at is None or now - credential.last_used_at > _TOUCH_INTERVAL_S:
            await self.context.catalog.touch_credential(credential.id, now)
        return AuthenticationResult(user=user, auth=credential)
