"""Friends' activity: the feed read, live push over the WebSocket, privacy on both paths."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from presence_helpers import LiveServer, shown_tracks
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.anyio


async def play(live: LiveServer, user: Any, track_id: str, **fields: Any) -> None:
    body = {"track_id": track_id, "position_ms": 0, "paused": False, **fields}
    response = await live.call(user, "PUT", "/api/v1/me/player/state", json=body)
    assert response.status_code == 200, response.text


async def feed(live: LiveServer, user: Any) -> dict[str, Any]:
    response = await live.call(user, "GET", "/api/v1/friends/activity")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_friends_see_what_i_play_ranked_by_recency(live: LiveServer) -> None:
    alice, bob, carol, dave = [await live.user(n) for n in ("alice", "bob", "carol", "dave")]
    await live.befriend(alice, bob)
    await live.befriend(carol, bob)
    one, two, three = (await live.track_ids())[:3]
    await play(live, alice, one)
    await play(live, carol, two, context="album:x")
    got = await feed(live, bob)
    assert [i["user_id"] for i in got["items"]] == [carol.id, alice.id]
    first = got["items"][0]
    assert first["name"] == "carol" and first["now_playing"]["track"]["id"] == two
    assert first["now_playing"]["context"] == "album:x" and first["now_playing"]["track"]["title"]
    assert first["at"] <= time.time()
    await play(live, alice, three)
    got = await feed(live, bob)
    assert [i["user_id"] for i in got["items"]] == [alice.id, carol.id]
    assert [p["track"]["id"] for p in got["items"][0]["recent"]] == [three, one]
    assert (await feed(live, dave))["items"] == []  # not a friend of anyone


async def test_invalid_reports_are_refused(live: LiveServer) -> None:
    alice = await live.user("alice")
    response = await live.call(
        alice, "PUT", "/api/v1/me/player/state", json={"track_id": "tr-none", "position_ms": 0}
    )
    assert response.status_code == 404 and "tr-none" in response.json()["detail"]
    track = (await live.track_ids())[0]
    late = await live.call(
        alice, "PUT", "/api/v1/me/player/state", json={"track_id": track, "position_ms": 10**9}
    )
    assert late.status_code == 400 and "past the end" in late.json()["detail"]


async def test_a_play_reaches_a_connected_friend_within_a_second(live: LiveServer) -> None:
    alice, bob = await live.user("alice"), await live.user("bob")
    await live.befriend(alice, bob)
    track = (await live.track_ids())[0]
    async with live.socket(bob, via_query=True) as socket:
        await socket.request({"type": "ping"}, "pong")
        started = time.perf_counter()
        await play(live, alice, track)
        message = await socket.wait_for("friend_activity", within=1.0)
        assert time.perf_counter() - started < 1.0
        assert message["entry"]["user_id"] == alice.id
        assert message["entry"]["now_playing"]["track"]["id"] == track


async def test_going_private_withdraws_activity_everywhere(live: LiveServer) -> None:
    alice, bob = await live.user("alice"), await live.user("bob")
    await live.befriend(alice, bob)
    one, two = (await live.track_ids())[:2]
    async with live.socket(bob) as socket:
        await socket.request({"type": "ping"}, "pong")
        await play(live, alice, one)
        await socket.wait_for("friend_activity")
        private = {"private_session": True, "private_until": None, "publish_activity": True}
        assert (
            await live.call(alice, "PUT", "/api/v1/me/privacy", json=private)
        ).status_code == 200
        removed = await socket.wait_for("friend_activity.removed", within=1.0)
        assert removed["user_id"] == alice.id
        assert (await feed(live, bob))["items"] == []
        await play(live, alice, two)  # while private: nothing is published
        assert not [m for m in await socket.quiet(0.3) if m["type"] == "friend_activity"]
        assert (await feed(live, bob))["items"] == []
    # Nothing of the private session shows once it ends: the current track is new activity.
    public = {"private_session": False, "private_until": None, "publish_activity": True}
    await live.call(alice, "PUT", "/api/v1/me/privacy", json=public)
    assert shown_tracks(await feed(live, bob)) == {alice.id: {one, two}}


async def test_opting_out_and_expired_private_sessions(live: LiveServer) -> None:
    alice, bob = await live.user("alice"), await live.user("bob")
    await live.befriend(alice, bob)
    one, two = (await live.track_ids())[:2]
    opt_out = {"private_session": False, "private_until": None, "publish_activity": False}
    await live.call(alice, "PUT", "/api/v1/me/privacy", json=opt_out)
    await play(live, alice, one)
    assert (await feed(live, bob))["items"] == []
    soon = {"private_session": True, "private_until": time.time() + 0.5, "publish_activity": True}
    await live.call(alice, "PUT", "/api/v1/me/privacy", json=soon)
    await play(live, alice, one)
    assert (await feed(live, bob))["items"] == []
    await anyio.sleep(0.6)
    await play(live, alice, two)
    assert shown_tracks(await feed(live, bob)) == {alice.id: {two}}


async def test_stale_records_never_show_once_private(live: LiveServer) -> None:
    """The read path filters too: a record written behind the privacy check stays hidden."""
    from segue.slots.presence import NowPlaying

    alice, bob = await live.user("alice"), await live.user("bob")
    await live.befriend(alice, bob)
    track = (await live.track_ids())[0]
    await live.call(alice, "PUT", "/api/v1/me/privacy", json={"publish_activity": False})
    presence = live.context.presence
    assert presence is not None
    now = time.time()
    stale = NowPlaying(user_id=alice.id, track_id=track, started_at=now, updated_at=now)
    await presence.set_now_playing(stale, 60)  # as if written before the setting changed
    assert (await feed(live, bob))["items"] == []


async def test_unfriending_and_blocking_withdraw_activity(live: LiveServer) -> None:
    alice, bob, carol = [await live.user(n) for n in ("alice", "bob", "carol")]
    await live.befriend(alice, bob)
    await live.befriend(alice, carol)
    track = (await live.track_ids())[0]
    async with live.socket(bob) as bob_socket, live.socket(carol) as carol_socket:
        await bob_socket.request({"type": "ping"}, "pong")
        await carol_socket.request({"type": "ping"}, "pong")
        await play(live, alice, track)
        await bob_socket.wait_for("friend_activity")
        await carol_socket.wait_for("friend_activity")
        await live.call(bob, "DELETE", f"/api/v1/friends/{alice.id}")
        await bob_socket.wait_for("friend_activity.removed", within=1.0, user_id=alice.id)
        await live.call(alice, "POST", "/api/v1/blocks", json={"username": "carol"})
        await carol_socket.wait_for("friend_activity.removed", within=1.0, user_id=alice.id)
        await play(live, alice, track, position_ms=1000)
        for socket in (bob_socket, carol_socket):
            assert not [m for m in await socket.quiet(0.3) if m["type"] == "friend_activity"]
    assert (await feed(live, bob))["items"] == (await feed(live, carol))["items"] == []


async def test_a_new_friend_is_followed_live(live: LiveServer) -> None:
    alice, bob = await live.user("alice"), await live.user("bob")
    track = (await live.track_ids())[0]
    async with live.socket(bob) as socket:
        await socket.request({"type": "ping"}, "pong")
        await live.befriend(alice, bob)
        await socket.wait_for("friends.changed")
        await play(live, alice, track)
        message = await socket.wait_for("friend_activity", within=1.0)
        assert message["entry"]["user_id"] == alice.id


async def test_socket_needs_a_valid_token(live: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with live.socket_raw("/api/v1/ws"):
            pass
    assert refused.value.response.status_code in (401, 403)


async def test_socket_answers_bad_messages_with_clear_errors(live: LiveServer) -> None:
    alice = await live.user("alice")
    async with live.socket(alice) as socket:
        await socket.ws.send("not json")
        assert "not JSON" in (await socket.wait_for("error"))["detail"]
        await socket.send({"type": "dance"})
        error = await socket.wait_for("error")
        assert "dance" in error["detail"] and "device.register" in error["detail"]
        await socket.send({"type": "device.heartbeat"})
        assert "register first" in (await socket.wait_for("error"))["detail"]
        await socket.send({"type": "player.state", "track_id": "tr-none"})
        error = await socket.wait_for("error")
        assert error["of"] == "player.state" and "tr-none" in error["detail"]


async def test_other_features_push_to_every_socket_of_a_user(live: LiveServer) -> None:
    from segue.social.live import publish_to_users

    alice, bob = await live.user("alice"), await live.user("bob")
    async with live.socket(alice) as one, live.socket(alice) as two, live.socket(bob) as other:
        for socket in (one, two, other):
            await socket.request({"type": "ping"}, "pong")
        diff = {"type": "playlist.diff", "playlist_id": "pl1", "ops": [{"op": "add", "at": 0}]}
        await publish_to_users(live.context, [alice.id, alice.id], diff)
        assert await one.wait_for("playlist.diff") == diff
        assert await two.wait_for("playlist.diff") == diff
        assert not [m for m in await other.quiet(0.2) if m["type"] == "playlist.diff"]
        assert [m for m in await one.quiet(0.2) if m["type"] == "playlist.diff"] == []  # once
    with pytest.raises(ValueError, match="type"):
        await publish_to_users(live.context, [alice.id], {"playlist_id": "pl1"})
