"""Everyone following a playlist gets each change as a diff over GET /api/v1/ws, live."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from playlists_live_server import serve
from websockets.asyncio.client import ClientConnection, connect

from segue.auth.tokens import issue_session

pytestmark = pytest.mark.anyio

DIFF_DEADLINE_S = 1.0


def apply_diff(entries: list[str], diff: list[dict[str, Any]]) -> list[str]:
    """What a client does with a ``playlist.diff``: patch its copy, no reload."""
    order = list(entries)
    for op in diff:
        if op["op"] == "insert":
            at = 0 if op["after"] is None else order.index(op["after"]) + 1
            order[at:at] = [e["id"] for e in op["entries"]]
        elif op["op"] == "remove":
            order = [e for e in order if e not in op["entry_ids"]]
        else:
            order.remove(op["entry_id"])
            at = 0 if op["after"] is None else order.index(op["after"]) + 1
            order.insert(at, op["entry_id"])
    return order


async def next_diff(ws: ClientConnection) -> dict[str, Any]:
    with anyio.fail_after(DIFF_DEADLINE_S):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message.get("type") == "playlist.diff":
                return message


async def test_viewers_receive_each_change_within_a_second(
    tmp_path: Path, scanned_data_dir: Path, demo_library: Path
) -> None:
    async with serve(tmp_path, scanned_data_dir, demo_library) as (context, url):
        tokens = {}
        for name in ("follower", "viewer", "stranger"):
            user = await context.catalog.create_user(name, "unused-hash", is_admin=False)
            tokens[name], _credential = await issue_session(context, user)
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            login = await http.post(
                "/api/v1/auth/login",
                json={"username": "admin", "password": "admin-password-for-tests"},
            )
            owner = {"Authorization": f"Bearer {login.json()['token']}"}
            headers = {n: {"Authorization": f"Bearer {t}"} for n, t in tokens.items()}
            tracks = [
                t["id"] for t in (await http.get("/api/v1/tracks", headers=owner)).json()["items"]
            ]
            created = await http.post(
                "/api/v1/playlists",
                json={"name": "Live", "public": True, "track_ids": tracks[:3]},
                headers=owner,
            )
            pid = created.json()["id"]
            followed = await http.put(
                f"/api/v1/playlists/{pid}/followers/me", headers=headers["follower"]
            )
            assert followed.status_code == 200, followed.text
            page = await http.get(f"/api/v1/playlists/{pid}/tracks", headers=headers["viewer"])
            local = [e["id"] for e in page.json()["items"]]  # the viewer's copy

            ws_url = url.replace("http://", "ws://") + "/api/v1/ws"
            async with (
                connect(ws_url, additional_headers=headers["follower"]) as follower_ws,
                connect(ws_url, additional_headers=headers["viewer"]) as viewer_ws,
                connect(ws_url, additional_headers=headers["stranger"]) as stranger_ws,
            ):
                latencies = []
                edits: list[tuple[str, str, dict[str, Any]]] = [
                    (
                        "POST",
                        f"/api/v1/playlists/{pid}/tracks",
                        {"track_ids": tracks[3:5], "after": local[0]},
                    ),
                    ("DELETE", f"/api/v1/playlists/{pid}/tracks/{local[1]}", {}),
                    ("POST", f"/api/v1/playlists/{pid}/tracks/{local[2]}/move", {"after": None}),
                ]
                for method, path, body in edits:
                    started = time.perf_counter()
                    response = await http.request(method, path, json=body or None, headers=owner)
                    assert response.status_code == 200, response.text
                    for ws in (follower_ws, viewer_ws):
                        message = await next_diff(ws)
                        assert message["version"] == response.json()["version"]
                        assert message["playlist_id"] == pid
                        if ws is viewer_ws:
                            local = apply_diff(local, message["diff"])
                    latencies.append(time.perf_counter() - started)
                # The play queue syncs the same way, to the user's own devices only.
                queued = await http.put(
                    "/api/v1/queue", json={"track_ids": tracks[:3]}, headers=headers["viewer"]
                )
                assert queued.status_code == 200, queued.text
                with anyio.fail_after(DIFF_DEADLINE_S):
                    while (message := json.loads(await viewer_ws.recv()))[
                        "type"
                    ] != "queue.changed":
                        pass
                assert message["queue"]["track_ids"] == tracks[:3]
                with anyio.move_on_after(0.3):
                    leaked = json.loads(await stranger_ws.recv())
                    pytest.fail(f"a user who never saw the playlist got {leaked}")

            final = await http.get(f"/api/v1/playlists/{pid}/tracks", headers=headers["viewer"])
            assert local == [e["id"] for e in final.json()["items"]]
            assert max(latencies) < DIFF_DEADLINE_S
