"""Helpers for the playlists API tests: the playlists core plugins and users with tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from litestar import Litestar
from litestar.testing import AsyncTestClient

import segue.api.library
import segue.api.playlists
import segue.api.queue
from segue.context import SegueContext
from segue.plugins.manager import CORE_PLUGINS

_MODULES: list[tuple[str, object]] = [
    ("segue.api.playlists", segue.api.playlists),
    ("segue.api.library", segue.api.library),
    ("segue.api.queue", segue.api.queue),
]
PLAYLIST_PLUGINS: list[tuple[str, object]] = [(n, m) for n, m in _MODULES if n not in CORE_PLUGINS]
"""The playlists issue's core plugins, registered by hand until they join CORE_PLUGINS."""


def problem_detail(response: Any) -> str:
    body: dict[str, Any] = response.json()
    return str(body.get("detail", ""))


T = TypeVar("T")
Client = AsyncTestClient[Litestar]
Headers = dict[str, str]


class Api:
    """A running app with an admin (``owner``) and a second user (``other``)."""

    def __init__(
        self,
        context: SegueContext,
        client: Client,
        owner: Headers,
        other: Headers,
        other_id: str,
    ) -> None:
        self.context = context
        self.client = client
        self.owner = owner
        self.other = other
        self.other_id = other_id
        self.track_ids: list[str] = []

    async def create(self, **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/playlists", json={"name": "mix", **body}, headers=self.owner
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def entries(
        self, playlist_id: str, headers: Headers | None = None
    ) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/api/v1/playlists/{playlist_id}/tracks",
            params={"limit": 500},
            headers=headers or self.owner,
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def in_app(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the app's own event loop (where its slots' clients live)."""
        portal = self.client.blocking_portal
        return await anyio.to_thread.run_sync(lambda: portal.call(partial(fn, *args, **kwargs)))
