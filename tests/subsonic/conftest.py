"""Fixtures for the Subsonic API: the default app with a user who set a Subsonic password."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from segue.context import SegueContext

SUBSONIC_PASSWORD = "subsonic-app-pass"
ADMIN = "admin"


@dataclass
class Subsonic:
    """Calls ``/rest`` as the test admin, with token auth by default."""

    client: AsyncTestClient[Litestar]
    context: SegueContext
    username: str = ADMIN
    password: str = SUBSONIC_PASSWORD

    def auth(self) -> dict[str, str]:
        salt = secrets.token_hex(6)
        token = hashlib.md5((self.password + salt).encode()).hexdigest()
        return {"u": self.username, "t": token, "s": salt, "v": "1.16.1", "c": "tests"}

    async def call(self, method: str, *, f: str = "json", auth: bool = True, **params: Any) -> Any:
        query: dict[str, Any] = {**(self.auth() if auth else {}), "f": f, **params}
        return await self.client.get(f"/rest/{method}", params=query)

    async def ok(self, method: str, **params: Any) -> dict[str, Any]:
        """A JSON call that must succeed; returns the inside of ``subsonic-response``."""
        response = await self.call(method, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()["subsonic-response"]
        assert body["status"] == "ok", body
        return body

    async def error(self, method: str, code: int, **params: Any) -> str:
        """A JSON call that must fail with ``code``; returns the message."""
        response = await self.call(method, **params)
        body = response.json()["subsonic-response"]
        assert body["status"] == "failed", body
        assert body["error"]["code"] == code, body
        return str(body["error"]["message"])


@pytest.fixture
async def subsonic(
    client: AsyncTestClient[Litestar], segue_app: Any, auth_headers: dict[str, str]
) -> AsyncIterator[Subsonic]:
    """The default app, its admin having set a Subsonic password through the API."""
    response = await client.put(
        "/api/v1/me/subsonic-password", json={"password": SUBSONIC_PASSWORD}, headers=auth_headers
    )
    assert response.status_code == 204, response.text
    yield Subsonic(client=client, context=segue_app.context)
