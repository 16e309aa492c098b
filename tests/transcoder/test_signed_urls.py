"""Signed, expiring stream URLs: usable without credentials; expired or tampered is 403."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from transcoder_helpers import step_named, stream_url

from segue.models import Track
from segue_transcoder.routes import SIGNED_PATH
from segue_transcoder.service import Transcoder
from segue_transcoder.store import fingerprint

pytestmark = pytest.mark.anyio


async def signed(tx_app: Any, headers: dict[str, str], track: Track, **params: str) -> Any:
    response = await tx_app.client.get(
        f"/api/v1/tracks/{track.id}/signed-stream", params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return f"{parts.path}?{urlencode(query)}"


async def test_a_signed_url_streams_without_credentials(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track
) -> None:
    issued = await signed(tx_app, tx_headers, flac_track, format="opus", quality="high", ttl="600")
    assert issued["rendition"] == "opus-high"
    assert issued["expires_at"] > time.time() + 590

    response = await tx_app.client.get(issued["url"])  # no Authorization header
    assert response.status_code == 200
    authenticated = await tx_app.client.get(
        stream_url(flac_track.id), params={"format": "opus", "quality": "high"}, headers=tx_headers
    )
    assert response.content == authenticated.content
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert "immutable" in response.headers["cache-control"]
    assert response.headers["etag"] == authenticated.headers["etag"]
    ranged = await tx_app.client.get(issued["url"], headers={"Range": "bytes=10-109"})
    assert ranged.status_code == 206 and ranged.content == response.content[10:110]


async def test_an_expired_signed_url_is_403(
    tx_app: Any, flac_track: Track, service: Transcoder
) -> None:
    step = step_named("ogg-normal")
    url = service.signer.sign(
        SIGNED_PATH.format(track_id=flac_track.id),
        fmt=step.format,
        quality=step.quality,
        version=fingerprint(flac_track, step),
        expires=int(time.time()) - 5,
    )

    response = await tx_app.client.get(url)

    assert response.status_code == 403
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize(
    "tamper",
    [
        {"quality": "very_high"},
        {"format": "opus"},
        {"expires": "99999999999"},
        {"sig": "0" * 64},
        {"v": "0123456789abcdef0123"},
    ],
    ids=lambda t: next(iter(t)),
)
async def test_a_tampered_signed_url_is_403(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track, tamper: dict[str, str]
) -> None:
    issued = await signed(tx_app, tx_headers, flac_track, format="ogg", quality="normal")

    response = await tx_app.client.get(with_query(issued["url"], **tamper))

    assert response.status_code == 403
    assert "signature" in response.json()["detail"]


async def test_another_tracks_path_is_403(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track
) -> None:
    issued = await signed(tx_app, tx_headers, flac_track, format="ogg", quality="normal")
    moved = issued["url"].replace(flac_track.id, "someothertrack")

    response = await tx_app.client.get(moved)

    assert response.status_code == 403
