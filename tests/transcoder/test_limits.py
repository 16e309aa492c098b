"""Limits: concurrent live transcodes (429), the LRU cache bound, role caps, live TTFB path."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from transcoder_helpers import (
    LADDER,
    demo_tracks,
    long_overrides,
    long_track_of,
    settle,
    stream_url,
    transcoder_config,
)

from segue_transcoder.service import transcoder_of

pytestmark = pytest.mark.anyio


async def admin_headers(running: Any, login: Any) -> dict[str, str]:
    token = await login(running.client, "admin", "admin-password-for-tests")
    return {"Authorization": f"Bearer {token}"}


async def test_beyond_the_live_limit_clients_get_429_with_retry_after(
    make_app: Any, login: Any, demo_library: Path, long_library: Path
) -> None:
    config = transcoder_config(max_live_transcodes=1, retry_after_seconds=7)
    async with make_app(
        extra_config=config, overrides=long_overrides(demo_library, long_library)
    ) as running:
        headers = await admin_headers(running, login)
        long = await long_track_of(running.context)
        service = transcoder_of(running.context)
        client = running.client
        # The first request starts a 40-second encode; its first bytes come at once.
        started = time.perf_counter()
        first = await client.get(
            stream_url(long.id),
            params={"format": "ogg", "quality": "very_high"},
            headers={**headers, "Range": "bytes=0-4095"},
        )
        first_seconds = time.perf_counter() - started
        assert first.status_code == 206 and len(first.content) == 4096
        assert first.headers["content-range"] == "bytes 0-4095/*"
        assert service.live_running == 1, "the encode should still be running"
        refused = await client.get(
            stream_url(long.id), params={"format": "opus", "quality": "high"}, headers=headers
        )
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "7"
        assert "max_live_transcodes" in refused.json()["detail"]
        # Joining the running encode takes no extra slot.
        joined = await client.get(
            stream_url(long.id),
            params={"format": "ogg", "quality": "very_high"},
            headers={**headers, "Range": "bytes=4096-8191"},
        )
        assert joined.status_code == 206
        await settle(running)
        found = await service.store.find(long, LADDER[3])
        assert found is not None
        data = found.path.read_bytes()
        assert first.content + joined.content == data[:8192]
        after = await client.get(
            stream_url(long.id), params={"format": "opus", "quality": "high"}, headers=headers
        )
        assert after.status_code == 200
    assert first_seconds < 5  # generous: the benchmark measures TTFB properly


async def test_the_cache_is_bounded_and_evicts_the_least_recently_used(
    make_app: Any, login: Any
) -> None:
    async with make_app(extra_config=transcoder_config(cache_size_mb=0.05)) as running:
        headers = await admin_headers(running, login)
        service = transcoder_of(running.context)
        tracks = sorted(await demo_tracks(running.context), key=lambda t: t.id)[:6]
        served: list[Path] = []
        for track in tracks:
            response = await running.client.get(
                stream_url(track.id), params={"format": "ogg", "quality": "high"}, headers=headers
            )
            assert response.status_code == 200
            await settle(running)
            found = await service.store.find(track, LADDER[2])
            if found is not None:
                served.append(found.path)
            await service.store.evict()
            assert await service.store.cache_bytes() <= service.store.cache_limit_bytes
        sizes = sum(p.stat().st_size for p in served if p.exists())
        assert sizes <= service.store.cache_limit_bytes
        # The newest rendition is kept, the oldest went first.
        last = await service.store.find(tracks[-1], LADDER[2])
        assert last is not None
        assert await service.store.find(tracks[0], LADDER[2]) is None


async def test_role_caps_limit_the_quality(
    make_app: Any, login: Any, user_credentials: Any
) -> None:
    caps = transcoder_config(role_caps={"admin": "very_high", "user": "normal"})
    async with make_app(extra_config=caps) as running:
        admin = await admin_headers(running, login)
        created = await running.client.post(
            "/api/v1/admin/users",
            json={"name": user_credentials.name, "password": user_credentials.password},
            headers=admin,
        )
        assert created.status_code == 201
        user = {"Authorization": f"Bearer {await login(running.client, *user_credentials)}"}
        [track] = sorted(await demo_tracks(running.context), key=lambda t: t.id)[:1]
        url = stream_url(track.id)
        params = {"format": "ogg", "quality": "very_high"}

        as_user = await running.client.head(url, params=params, headers=user)
        as_admin = await running.client.head(url, params=params, headers=admin)
        signed = await running.client.get(
            f"/api/v1/tracks/{track.id}/signed-stream", params=params, headers=user
        )

    assert as_user.headers["x-segue-rendition"] == "ogg-normal"
    assert as_admin.headers["x-segue-rendition"] == "ogg-very_high"
    assert signed.json()["quality"] == "normal"
