"""Devices, the server-side player, handoff between devices and remote commands."""

from __future__ import annotations

import time
from typing import Any

import pytest
from presence_helpers import LiveServer, Socket

pytestmark = pytest.mark.anyio


async def register(socket: Socket, name: str, kind: str = "web") -> str:
    reply = await socket.request(
        {"type": "device.register", "name": name, "device_type": kind}, "device.registered"
    )
    device_id: str = reply["device"]["id"]
    return device_id


async def test_devices_register_heartbeat_and_leave(live: LiveServer) -> None:
    alice = await live.user("alice")
    async with live.socket(alice) as phone_socket:
        phone = await register(phone_socket, "Phone", "phone")
        async with live.socket(alice) as desk_socket:
            desk = await register(desk_socket, "Desk", "desktop")
            await desk_socket.request({"type": "device.heartbeat"}, "ok")
            listed = (await live.call(alice, "GET", "/api/v1/me/devices")).json()
            assert [d["id"] for d in listed["devices"]] == [desk, phone]  # most recently seen first
            assert listed["devices"][1] | {"last_seen": 0} == {
                "id": phone,
                "name": "Phone",
                "type": "phone",
                "last_seen": 0,
                "is_active": False,
            }
            assert listed["active_device_id"] is None
        # A closed socket's device is gone at once.
        listed = (await live.call(alice, "GET", "/api/v1/me/devices")).json()
        assert [d["id"] for d in listed["devices"]] == [phone]


async def test_silent_devices_drop_out(start_server: Any) -> None:
    async with start_server(device_timeout_s=0.3) as live:
        alice = await live.user("alice")
        async with live.socket(alice) as socket:
            await register(socket, "Phone")
            assert len((await live.call(alice, "GET", "/api/v1/me/devices")).json()["devices"]) == 1
            await socket.quiet(0.4)
            assert (await live.call(alice, "GET", "/api/v1/me/devices")).json()["devices"] == []


async def test_handoff_resumes_on_the_target_at_the_right_position(live: LiveServer) -> None:
    alice = await live.user("alice")
    track = (await live.track_ids())[0]
    async with live.socket(alice) as old_socket, live.socket(alice) as new_socket:
        old = await register(old_socket, "Laptop")
        new = await register(new_socket, "Speaker", "speaker")
        await old_socket.request(
            {"type": "player.state", "track_id": track, "position_ms": 1000, "paused": False},
            "ok",
        )
        player = (await live.call(alice, "GET", "/api/v1/me/player")).json()
        assert player["state"]["device_id"] == old and player["position_ms"] >= 1000
        listed = (await live.call(alice, "GET", "/api/v1/me/devices")).json()
        assert listed["active_device_id"] == old
        await old_socket.quiet(0.2)
        reported_at = time.time()
        response = await live.call(alice, "PUT", "/api/v1/me/player", json={"device_id": new})
        assert response.status_code == 200, response.text
        command = await new_socket.wait_for("player.command", command="transfer")
        state = command["state"]
        assert state["device_id"] == new and not state["paused"] and state["track_id"] == track
        # The position at transfer is the reported one moved on by the time elapsed.
        elapsed_ms = (state["updated_at"] - reported_at) * 1000
        assert 1000 <= state["position_ms"] <= 1000 + elapsed_ms + 2000
        stop = await old_socket.wait_for("player.command")
        assert stop["command"] == "stop" and stop["device_id"] == old
        # The speaker does not get the laptop's stop order, nor the laptop the transfer.
        assert not [m for m in new_socket.seen if m.get("command") == "stop"]
        assert not [m for m in old_socket.seen if m.get("command") == "transfer"]
        listed = (await live.call(alice, "GET", "/api/v1/me/devices")).json()
        assert listed["active_device_id"] == new


async def test_transfer_to_an_unknown_device_is_refused(live: LiveServer) -> None:
    alice = await live.user("alice")
    response = await live.call(alice, "PUT", "/api/v1/me/player", json={"device_id": "dv-none"})
    assert response.status_code == 404 and "dv-none" in response.json()["detail"]


async def test_remote_commands(live: LiveServer) -> None:
    alice = await live.user("alice")
    one, two = (await live.track_ids())[:2]
    async with live.socket(alice) as speaker_socket, live.socket(alice) as phone_socket:
        speaker = await register(speaker_socket, "Speaker")
        await register(phone_socket, "Phone")
        state = {"track_id": one, "position_ms": 500, "device_id": speaker, "queue": [two]}
        await live.call(alice, "PUT", "/api/v1/me/player/state", json=state)

        async def send(**body: Any) -> dict[str, Any]:
            response = await live.call(alice, "POST", "/api/v1/me/player/commands", json=body)
            assert response.status_code == 200, response.text
            result: dict[str, Any] = response.json()
            return result

        paused = await send(command="pause")
        assert paused["state"]["paused"]
        message = await speaker_socket.wait_for("player.command", command="pause")
        assert message["device_id"] == speaker
        assert (await send(command="seek", position_ms=1200))["position_ms"] == 1200
        assert (await send(command="volume", volume=30))["state"]["volume"] == 30
        nxt = await send(command="next")
        assert nxt["state"]["track_id"] == two and nxt["state"]["queue"] == []
        assert (await send(command="previous"))["position_ms"] == 0
        played = await send(command="play")
        assert not played["state"]["paused"]
        # Phone-side remote control over the socket works the same way.
        await phone_socket.request({"type": "player.command", "command": "pause"}, "ok")
        await speaker_socket.wait_for("player.command", command="pause")
        commands = [m["command"] for m in phone_socket.seen if m["type"] == "player.command"]
        assert commands == []  # the phone is not the target of any of them
        bad = await live.call(alice, "POST", "/api/v1/me/player/commands", json={"command": "seek"})
        assert bad.status_code == 400 and "position_ms" in bad.json()["detail"]
        empty = await live.call(
            alice, "POST", "/api/v1/me/player/commands", json={"command": "next"}
        )
        assert empty.status_code == 400 and "queue is empty" in empty.json()["detail"]
