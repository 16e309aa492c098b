"""Helpers for playback tests: registering the playback API, reports, reading the events slot."""

from __future__ import annotations

from typing import Any

import segue.api.playback
from segue.plugins.manager import CORE_PLUGINS

# Until segue.api.playback is one of the core plugins, tests register it themselves.
PLAYBACK_PLUGINS: list[tuple[str, object]] = (
    [] if "segue.api.playback" in CORE_PLUGINS else [("segue.api.playback", segue.api.playback)]
)


def report(track_id: str, changes: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    """A valid report body for ``track_id``; ``changes`` and ``more`` override fields
    (``...`` leaves a field out)."""
    body: dict[str, Any] = {
        "track_id": track_id,
        "duration_listened_ms": 95_000,
        "completed": True,
        "device_id": "phone-1",
        "session_id": "session-1",
        "quality": "high",
        "context": "album:demo",
    }
    body.update(changes or {})
    body.update(more)
    return {k: v for k, v in body.items() if v is not ...}
