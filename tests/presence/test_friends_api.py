"""Friends, requests, blocks and privacy over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from presence_helpers import LiveServer, live_server
from websockets.exceptions import ConnectionClosedError

pytestmark = pytest.mark.anyio


async def test_request_accept_list_and_remove(live: LiveServer) -> None:
    alice, bob = await live.user("alice"), await live.user("bob")
    sent = await live.call(alice, "POST", "/api/v1/friends/requests", json={"username": "BOB"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["to_user_id"] == bob.id
    pending = await live.call(bob, "GET", "/api/v1/friends/requests")
    assert [r["id"] for r in pending.json()] == [sent.json()["id"]]
    # Only bob can accept.
    wrong = await live.call(alice, "POST", f"/api/v1/friends/requests/{sent.json()['id']}/accept")
    assert wrong.status_code == 404
    accepted = await live.call(bob, "POST", f"/api/v1/friends/requests/{sent.json()['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["user_id"] == alice.id
    for me, other in ((alice, bob), (bob, alice)):
        friends = (await live.call(me, "GET", "/api/v1/friends")).json()
        assert [f["user_id"] for f in friends] == [other.id]
        assert "privacy" not in friends[0]  # a friend's settings are not shown
    assert (await live.call(alice, "DELETE", f"/api/v1/friends/{bob.id}")).status_code == 204
    assert (await live.call(bob, "GET", "/api/v1/friends")).json() == []
    again = await live.call(alice, "DELETE", f"/api/v1/friends/{bob.id}")
    assert again.status_code == 404 and bob.id in again.json()["detail"]


async def test_bad_requests_say_what_is_wrong(live: LiveServer) -> None:
    alice = await live.user("alice")
    unknown = await live.call(
        alice, "POST", "/api/v1/friends/requests", json={"username": "nobody"}
    )
    assert unknown.status_code == 404 and "nobody" in unknown.json()["detail"]
    myself = await live.call(alice, "POST", "/api/v1/friends/requests", json={"username": "alice"})
    assert myself.status_code == 400 and "yourself" in myself.json()["detail"]
    empty = await live.call(alice, "POST", "/api/v1/friends/requests", json={"name": "x"})
    assert empty.status_code == 400 and "unknown field `name`" in empty.text
    privacy = await live.call(
        alice, "PUT", "/api/v1/me/privacy", json={"private_session": False, "private_until": 5}
    )
    assert privacy.status_code == 400 and "private_session" in privacy.json()["detail"]


async def test_blocks_end_friendship_and_stop_requests(live: LiveServer) -> None:
    alice, bob = await live.user("alice"), await live.user("bob")
    await live.befriend(alice, bob)
    blocked = await live.call(alice, "POST", "/api/v1/blocks", json={"username": "bob"})
    assert blocked.status_code == 201 and blocked.json()["user_id"] == bob.id
    assert (await live.call(bob, "GET", "/api/v1/friends")).json() == []
    listed = (await live.call(alice, "GET", "/api/v1/blocks")).json()
    assert [b["user_id"] for b in listed] == [bob.id]
    refused = await live.call(bob, "POST", "/api/v1/friends/requests", json={"username": "alice"})
    assert refused.status_code == 409
    assert (await live.call(alice, "DELETE", f"/api/v1/blocks/{bob.id}")).status_code == 204
    assert (await live.call(alice, "DELETE", f"/api/v1/blocks/{bob.id}")).status_code == 404
    retry = await live.call(bob, "POST", "/api/v1/friends/requests", json={"username": "alice"})
    assert retry.status_code == 201


async def test_privacy_settings_round_trip(live: LiveServer) -> None:
    alice = await live.user("alice")
    assert (await live.call(alice, "GET", "/api/v1/me/privacy")).json() == {
        "private_session": False,
        "private_until": None,
        "publish_activity": True,
    }
    body = {"private_session": True, "private_until": 4e9, "publish_activity": True}
    assert (await live.call(alice, "PUT", "/api/v1/me/privacy", json=body)).json() == body
    assert (await live.call(alice, "GET", "/api/v1/me/privacy")).json() == body


async def test_routes_need_a_user(live: LiveServer) -> None:
    response = await live.http.get("/api/v1/friends/activity")
    assert response.status_code == 401


async def test_without_a_presence_backend_live_features_say_why(
    tmp_path: Path, scanned_data_dir: Path, demo_library: Path
) -> None:
    no_presence = '[presence]\nbackend = "none"\n'
    async with live_server(tmp_path, scanned_data_dir, demo_library, no_presence) as live:
        alice, bob = await live.user("alice"), await live.user("bob")
        await live.befriend(alice, bob)  # the social graph needs only the catalog
        response = await live.call(alice, "GET", "/api/v1/friends/activity")
        assert response.status_code == 503 and "[presence]" in response.json()["detail"]
        private = {"private_session": True}
        assert (
            await live.call(alice, "PUT", "/api/v1/me/privacy", json=private)
        ).status_code == 200
        with pytest.raises(ConnectionClosedError) as closed:
            async with live.socket(alice) as socket:
                await socket.receive()
        assert closed.value.rcvd is not None and "presence" in closed.value.rcvd.reason
