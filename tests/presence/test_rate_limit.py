"""A user's now playing changes at most once per interval; rapid skips coalesce; records expire."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from presence_helpers import LiveServer, shown_tracks

pytestmark = pytest.mark.anyio


async def play(live: LiveServer, user: Any, track_id: str, position_ms: int = 0) -> None:
    body = {"track_id": track_id, "position_ms": position_ms}
    response = await live.call(user, "PUT", "/api/v1/me/player/state", json=body)
    assert response.status_code == 200, response.text


async def now_playing(live: LiveServer, viewer: Any) -> list[Any]:
    items = (await live.call(viewer, "GET", "/api/v1/friends/activity")).json()["items"]
    return [(i["now_playing"] or {}).get("track", {}).get("id") for i in items]


async def test_rapid_skips_coalesce_to_the_latest_track(start_server: Any) -> None:
    async with start_server(min_update_interval_s=0.5) as live:
        alice, bob = await live.user("alice"), await live.user("bob")
        await live.befriend(alice, bob)
        one, two, three = (await live.track_ids())[:3]
        async with live.socket(bob) as socket:
            await socket.request({"type": "ping"}, "pong")
            for track in (one, two, three):
                await play(live, alice, track)
            assert await now_playing(live, bob) == [one]  # the first one is published at once
            await anyio.sleep(0.7)
            assert await now_playing(live, bob) == [three]
            assert shown_tracks(
                (await live.call(bob, "GET", "/api/v1/friends/activity")).json()
            ) == {
                alice.id: {one, three}  # the skipped track never became activity
            }
            await socket.quiet(0.2)
            pushed = [
                m["entry"]["now_playing"]["track"]["id"]
                for m in socket.seen
                if m["type"] == "friend_activity"
            ]
            assert pushed == [one, three]


async def test_now_playing_expires_after_the_track_plus_grace(start_server: Any) -> None:
    async with start_server(grace_s=0.3) as live:
        alice, bob = await live.user("alice"), await live.user("bob")
        await live.befriend(alice, bob)
        track_id = (await live.track_ids())[0]
        track = await live.context.catalog.get_track(track_id)
        assert track is not None
        await play(live, alice, track_id, position_ms=track.duration_ms - 200)
        assert await now_playing(live, bob) == [track_id]
        await anyio.sleep(0.7)
        # The record is gone; the play stays in the recent plays.
        assert await now_playing(live, bob) == [None]
