"""Fixtures for the presence tests: a live Segue per test, for each presence backend."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from presence_helpers import LiveServer, live_server, presence_config

PRESENCE_BACKENDS = ["memory", "valkey"]
"""Every presence backend the tests run against."""


@pytest.fixture(params=PRESENCE_BACKENDS)
def presence_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


StartServer = Callable[..., AbstractAsyncContextManager[LiveServer]]


@pytest.fixture
def start_server(
    tmp_path: Path,
    scanned_data_dir: Path,
    demo_library: Path,
    presence_backend: str,
    request: pytest.FixtureRequest,
) -> StartServer:
    """``start_server(**presence_settings)``: a live Segue using this test's presence backend."""

    def start(**settings: Any) -> AbstractAsyncContextManager[LiveServer]:
        extra: dict[str, Any] = {}
        if presence_backend == "valkey":
            extra = {
                "valkey_url": request.getfixturevalue("valkey_url"),
                "prefix": f"t{uuid.uuid4().hex[:10]}:",
            }
        settings.setdefault("min_update_interval_s", 0)
        toml = presence_config(presence_backend, **extra, **settings)
        server: AbstractAsyncContextManager[LiveServer] = live_server(
            tmp_path, scanned_data_dir, demo_library, toml
        )
        return server

    return start


@pytest.fixture
async def live(start_server: StartServer) -> AsyncIterator[LiveServer]:
    """A live Segue with presence (no rate limit: every report publishes)."""
    async with start_server() as server:
        yield server
