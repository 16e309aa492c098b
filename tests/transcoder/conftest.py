"""Fixtures for the transcoder: a running app with the plugin and a demo track."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from transcoder_helpers import demo_tracks, transcoder_config

from segue.models import Track
from segue_transcoder.ffmpeg import run_ffmpeg
from segue_transcoder.service import Transcoder, transcoder_of

LONG_SECONDS = 40


@pytest.fixture(scope="session")
def long_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library folder holding one 40-second stereo FLAC (long enough to catch an encode)."""
    root = tmp_path_factory.mktemp("long-library")
    source = (
        "aevalsrc=exprs=0.3*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*0.5*t))|"
        f"0.25*sin(2*PI*330*t):s=44100:d={LONG_SECONDS}"
    )
    anyio.run(run_ffmpeg, ["-f", "lavfi", "-i", source, "-c:a", "flac", str(root / "long.flac")])
    return root


@pytest.fixture
async def tx_app(make_app: Any) -> AsyncIterator[Any]:
    """The demo app with the transcoder in its default (on-demand) mode."""
    async with make_app(extra_config=transcoder_config(analyze_on_ingest=False)) as running:
        yield running


@pytest.fixture
async def tx_headers(tx_app: Any, login: Any, admin_credentials: Any) -> dict[str, str]:
    """Bearer headers of the test admin on ``tx_app``."""
    token = await login(tx_app.client, *admin_credentials)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def service(tx_app: Any) -> Transcoder:
    return transcoder_of(tx_app.context)


@pytest.fixture
async def flac_track(tx_app: Any) -> Track:
    """The longest stereo FLAC demo track (about 3 seconds)."""
    tracks = [t for t in await demo_tracks(tx_app.context) if t.codec == "flac"]
    assert tracks, "the demo library has no FLAC track"
    longest: Track = max(tracks, key=lambda t: (t.duration_ms, t.id))
    return longest
