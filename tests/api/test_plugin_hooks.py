"""Plugins extending the HTTP side: routes, WebSocket handlers, extra track fields, shutdown.

Each test registers a small plugin object (``@segue.hookimpl`` methods) with
``make_app(extra_plugins=...)``, exactly as an installed plugin would be.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from litestar import Request, get, websocket_listener
from litestar.exceptions import WebSocketDisconnect
from litestar.types import ControllerRouterHandler

import segue
from segue.context import SegueContext
from segue.models import Track

pytestmark = pytest.mark.anyio


class RoutesPlugin:
    """Adds an authenticated route, a public one and a WebSocket echo."""

    @segue.hookimpl
    def register_routes(self, context: SegueContext) -> Sequence[ControllerRouterHandler]:
        @get("/api/v1/test/whoami")
        async def whoami(request: Request[Any, Any, Any]) -> dict[str, str]:
            return {"user": request.user.name, "role": context.role}

        @get("/api/v1/test/open", opt={"public": True})
        async def open_route() -> dict[str, bool]:
            return {"open": True}

        return [whoami, open_route]

    @segue.hookimpl
    def register_websocket_handlers(
        self, context: SegueContext
    ) -> Sequence[ControllerRouterHandler]:
        @websocket_listener("/api/v1/test/echo")
        async def echo(data: str, socket: Any) -> str:
            return f"{socket.user.name} said {data}"

        return [echo]


class ExtraFieldsPlugin:
    @segue.hookimpl
    def extra_track_fields(self, context: SegueContext, track: Track) -> dict[str, Any]:
        return {"title_length": len(track.title), "shout": track.title.upper()}


class MoreExtraFieldsPlugin:
    @segue.hookimpl
    def extra_track_fields(self, context: SegueContext, track: Track) -> dict[str, Any]:
        return {"codec_again": track.codec}


class BrokenExtraFieldsPlugin:
    @segue.hookimpl
    def extra_track_fields(self, context: SegueContext, track: Track) -> dict[str, Any]:
        raise RuntimeError("this plugin is broken")


class ShutdownPlugin:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    @segue.hookimpl
    async def shutdown(self, context: SegueContext) -> None:
        # The slots are still open while shutdown hooks run.
        self.calls.append((context.role, await context.catalog.count_users() > 0))


class ClashingRoutesPlugin:
    """Registers a path the core already serves: must be skipped, not break the app."""

    @segue.hookimpl
    def register_routes(self, context: SegueContext) -> Sequence[ControllerRouterHandler]:
        @get("/api/v1/health", opt={"public": True})
        async def fake_health() -> str:
            return "hijacked"

        return [fake_health]


async def test_hook_register_routes(make_app: Any, login: Any, admin_credentials: Any) -> None:
    async with make_app(
        extra_plugins=[("clashing", ClashingRoutesPlugin()), ("routes", RoutesPlugin())]
    ) as running:
        client = running.client
        token = await login(client, *admin_credentials)
        mine = await client.get("/api/v1/test/whoami", headers={"Authorization": f"Bearer {token}"})
        assert mine.status_code == 200
        assert mine.json() == {"user": admin_credentials.name, "role": "server"}
        # Plugin routes are authenticated like the core's, unless public.
        assert (await client.get("/api/v1/test/whoami")).status_code == 401
        assert (await client.get("/api/v1/test/open")).json() == {"open": True}
        # The clashing route was refused; the core's health is intact.
        health = await client.get("/api/v1/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        # Plugin routes appear in the OpenAPI document.
        paths = (await client.get("/api/docs/openapi.json")).json()["paths"]
        assert "/api/v1/test/whoami" in paths


async def test_hook_register_websocket_handlers(
    make_app: Any, login: Any, admin_credentials: Any
) -> None:
    async with make_app(extra_plugins=[("routes", RoutesPlugin())]) as running:
        token = await login(running.client, *admin_credentials)
        socket = await running.client.websocket_connect(f"/api/v1/test/echo?token={token}")
        with socket:
            socket.send_text("hello")
            assert socket.receive_text() == f"{admin_credentials.name} said hello"
        with pytest.raises(WebSocketDisconnect):
            unauthenticated = await running.client.websocket_connect("/api/v1/test/echo")
            with unauthenticated:
                unauthenticated.send_text("hello")
                unauthenticated.receive_text()


async def test_hook_extra_track_fields(make_app: Any, login: Any, admin_credentials: Any) -> None:
    plugins = [
        ("extra", ExtraFieldsPlugin()),
        ("broken-extra", BrokenExtraFieldsPlugin()),
        ("more-extra", MoreExtraFieldsPlugin()),
    ]
    async with make_app(extra_plugins=plugins) as running:
        headers = {"Authorization": f"Bearer {await login(running.client, *admin_credentials)}"}
        listing = await running.client.get("/api/v1/tracks", headers=headers)
        assert listing.status_code == 200
        tracks = listing.json()["items"]
        assert tracks
        for track in tracks:
            # Every plugin's fields merged; the broken plugin is skipped, not fatal.
            # (Installed plugins may add fields of their own beside the test's.)
            ours = {k: track["extra"].get(k) for k in ("title_length", "shout", "codec_again")}
            assert ours == {
                "title_length": len(track["title"]),
                "shout": track["title"].upper(),
                "codec_again": track["codec"],
            }
        one = await running.client.get(f"/api/v1/tracks/{tracks[0]['id']}", headers=headers)
        assert one.json()["extra"] == tracks[0]["extra"]
        album_tracks = await running.client.get(
            f"/api/v1/albums/{tracks[0]['album_id']}/tracks", headers=headers
        )
        assert all(t["extra"]["codec_again"] == t["codec"] for t in album_tracks.json()["items"])


async def test_hook_shutdown(make_app: Any) -> None:
    plugin = ShutdownPlugin()
    async with make_app(extra_plugins=[("shutdown", plugin)]) as running:
        assert (await running.client.get("/api/v1/health")).status_code == 200
        assert plugin.calls == []
    assert plugin.calls == [("server", True)]
