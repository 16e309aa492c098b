"""Fixtures for royalty tests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Where a test's Segue keeps its config and data dir."""
    return tmp_path / "segue"


@pytest.fixture(params=["sqlite", "valkey"])
def events_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Runtime overrides selecting each events backend in turn (Valkey: a fresh key prefix)."""
    if request.param == "sqlite":
        return {"events.backend": "sqlite"}
    return {
        "events.backend": "valkey",
        "plugins.events-valkey.url": request.getfixturevalue("valkey_url"),
        "plugins.events-valkey.key_prefix": f"t{uuid.uuid4().hex[:12]}:",
        "plugins.events-valkey.retry_delay": 0,
    }
