"""presence-valkey when Valkey goes away and comes back (a real valkey-server, stopped and restarted)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from presence_helpers import LiveServer, live_server, presence_config, shown_tracks

from segue_presence_valkey.testing import ValkeyProcess

pytestmark = pytest.mark.anyio


@pytest.fixture
def valkey(tmp_path: Path) -> Iterator[ValkeyProcess]:
    server = ValkeyProcess(tmp_path / "valkey")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def play(live: LiveServer, user: Any, track_id: str) -> int:
    body = {"track_id": track_id, "position_ms": 0}
    status: int = (await live.call(user, "PUT", "/api/v1/me/player/state", json=body)).status_code
    return status


async def feed(live: LiveServer, user: Any) -> dict[str, set[str]]:
    response = await live.call(user, "GET", "/api/v1/friends/activity")
    assert response.status_code == 200, response.text
    shown: dict[str, set[str]] = shown_tracks(response.json())
    return shown


async def test_outage_serves_cached_activity_keeps_privacy_and_recovers(
    tmp_path: Path, scanned_data_dir: Path, demo_library: Path, valkey: ValkeyProcess
) -> None:
    toml = presence_config(
        "valkey",
        valkey_url=valkey.url,
        prefix="outage:",
        min_update_interval_s=0,
        cache_ttl_s=3.0,
        retry_interval_s=0.1,
        timeout_s=0.3,
    )
    async with live_server(tmp_path / "app", scanned_data_dir, demo_library, toml) as live:
        alice, bob, carol = [await live.user(n) for n in ("alice", "bob", "carol")]
        await live.befriend(alice, bob)
        await live.befriend(carol, bob)
        one, two, three = (await live.track_ids())[:3]
        assert await play(live, alice, one) == 200
        assert await play(live, carol, two) == 200
        assert await feed(live, bob) == {alice.id: {one}, carol.id: {two}}

        valkey.stop()
        # Last known activity, from this process's cache.
        assert await feed(live, bob) == {alice.id: {one}, carol.id: {two}}
        # Privacy still holds: the catalog is up, and the cache entry is dropped too.
        private = {"private_session": True, "private_until": None, "publish_activity": True}
        assert (
            await live.call(alice, "PUT", "/api/v1/me/privacy", json=private)
        ).status_code == 200
        assert await feed(live, bob) == {carol.id: {two}}
        # Reports cannot be stored meanwhile: a clear 503, not a traceback.
        refused = await live.call(
            carol, "PUT", "/api/v1/me/player/state", json={"track_id": three, "position_ms": 0}
        )
        assert refused.status_code == 503 and "Valkey" in refused.json()["detail"]
        # The server keeps serving everything that does not need Valkey.
        assert (await live.call(bob, "GET", "/api/v1/friends")).status_code == 200
        await anyio.sleep(3.1)
        assert await feed(live, bob) == {}  # the cache is only trusted for cache_ttl_s

        valkey.start()  # empty again: no persistence
        async with live.socket(bob) as socket:
            await socket.request({"type": "ping"}, "pong")
            with anyio.fail_after(5):  # push reconnects by itself
                while True:
                    status = await play(live, carol, three)
                    assert status in (200, 503)
                    got = [m for m in await socket.quiet(0.2) if m["type"] == "friend_activity"]
                    if got:
                        break
            assert got[0]["entry"]["user_id"] == carol.id
        assert await feed(live, bob) == {carol.id: {three}}
        # Alice's private session still hides her, Valkey or not.
        await play(live, alice, three)
        assert alice.id not in await feed(live, bob)
