"""Fixtures for playback reports: the default app with the playback API, and a track id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from playback_helpers import PLAYBACK_PLUGINS


@pytest.fixture
async def segue_app(make_app: Any) -> AsyncIterator[Any]:
    """The default app (see the root conftest), with the playback API registered."""
    async with make_app(extra_plugins=PLAYBACK_PLUGINS) as running:
        yield running


@pytest.fixture
async def track_id(client: AsyncTestClient[Litestar], auth_headers: dict[str, str]) -> str:
    """The id of a track of the demo catalog."""
    response = await client.get("/api/v1/tracks", headers=auth_headers)
    assert response.status_code == 200, response.text
    found: str = response.json()["items"][0]["id"]
    return found
