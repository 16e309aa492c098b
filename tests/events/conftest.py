"""Fixtures for the events slot: each test gets a fresh backend, for every backend name."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any, cast

import pytest

from segue.context import SegueContext
from segue.runtime import load
from segue.slots.events import EventsBackend

# Every events backend must pass the contract tests; add names as backends arrive.
BACKENDS = ["sqlite", "valkey"]

# Fast retries, so that failure tests do not sleep.
FAST = {
    "plugins.events-sqlite.retry_delay": 0,
    "plugins.events-sqlite.poll_interval": 0.05,
    "plugins.events-valkey.retry_delay": 0,
}


def backend_overrides(request: pytest.FixtureRequest, backend_name: str) -> dict[str, Any]:
    """Overrides selecting ``backend_name`` (a fresh key prefix on the session's Valkey)."""
    if backend_name != "valkey":
        return {"events.backend": backend_name}
    return {
        "events.backend": "valkey",
        "plugins.events-valkey.url": request.getfixturevalue("valkey_url"),
        "plugins.events-valkey.key_prefix": f"t{uuid.uuid4().hex[:12]}:",
    }


def events_context(data_dir: Path, overrides: Mapping[str, Any] | None = None) -> SegueContext:
    _raw, _plugins, context = load(
        None, overrides={"server.data_dir": str(data_dir), **FAST, **(overrides or {})}
    )
    return context


@pytest.fixture
def overrides(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """``overrides(**more)``: runtime overrides for a Segue in ``tmp_path`` with fast retries."""

    def build(**more: Any) -> dict[str, Any]:
        return {"server.data_dir": str(tmp_path / "data"), **FAST, **more}

    return build


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def open_backend(
    tmp_path: Path, backend_name: str, request: pytest.FixtureRequest
) -> Callable[[], EventsBackend]:
    """``open_backend()``: a new, not yet started backend on the same store each call."""
    context = events_context(tmp_path, backend_overrides(request, backend_name))

    def build() -> EventsBackend:
        spec = context.plugins.backends["events"][backend_name]
        return cast(EventsBackend, spec.factory(context))

    return build


@pytest.fixture
async def events(open_backend: Callable[[], EventsBackend]) -> AsyncIterator[EventsBackend]:
    backend = open_backend()
    await backend.start()
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
def selected_backend(request: pytest.FixtureRequest, backend_name: str) -> dict[str, Any]:
    """Runtime overrides selecting this test's backend (see ``backend_overrides``)."""
    return backend_overrides(request, backend_name)
