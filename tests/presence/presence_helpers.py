"""Helpers for the presence tests: a real Segue over real HTTP and WebSockets.

``LiveServer`` runs the app under uvicorn on a free loopback port inside
the test's own event loop, so HTTP (httpx) and WebSocket (websockets)
clients talk to it exactly as browsers would.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

import segue.api.friends
import segue.api.player
import segue.api.ws
from segue.app import create_app
from segue.auth.tokens import issue_session
from segue.context import SegueContext
from segue.models import User
from segue.plugins.manager import CORE_PLUGINS
from segue.runtime import load

# The presence issue's core plugins, registered here until they join CORE_PLUGINS.
SOCIAL_PLUGINS: list[tuple[str, object]] = [
    (module.__name__, module)
    for module in (segue.api.friends, segue.api.player, segue.api.ws)
    if module.__name__ not in CORE_PLUGINS
]
PRESENCE_BACKENDS = ["memory", "valkey"]


def presence_config(
    backend: str, *, valkey_url: str = "", prefix: str = "", **settings: Any
) -> str:
    """TOML selecting ``backend`` for the presence slot, with plugin settings."""
    plugin = f"presence-{backend}"
    lines = [f'[presence]\nbackend = "{backend}"\n', f"[plugins.{plugin}]"]
    if backend == "valkey":
        lines += [f'url = "{valkey_url}"', f'key_prefix = "{prefix}"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def base_config(data_dir: Path, library: Path, extra: str) -> str:
    return (
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n\n'
        '[auth]\nadmin_user = "admin"\nadmin_password = "admin-password-for-tests"\n\n'
        '[events]\nbackend = "sqlite"\nrun_consumers_in_server = false\n\n'
        f"{extra}"
    )


@dataclass
class LiveServer:
    """A running Segue reachable at ``url`` (HTTP) and ``ws_url`` (WebSocket)."""

    context: SegueContext
    url: str
    http: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/api/v1/ws"

    async def user(self, name: str) -> User:
        """A new user with a login token (stored in ``tokens[user.id]``)."""
        user = await self.context.catalog.create_user(name, "not-a-real-hash", is_admin=False)
        token, _credential = await issue_session(self.context, user)
        self.tokens[user.id] = token
        return user

    def headers(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user.id]}"}

    async def call(self, user: User, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self.headers(user), **kwargs)

    async def befriend(self, a: User, b: User) -> None:
        sent = await self.call(a, "POST", "/api/v1/friends/requests", json={"username": b.name})
        assert sent.status_code == 201, sent.text
        accepted = await self.call(
            b, "POST", f"/api/v1/friends/requests/{sent.json()['id']}/accept"
        )
        assert accepted.status_code == 200, accepted.text

    async def track_ids(self) -> list[str]:
        from segue.models import ListQuery

        page = await self.context.catalog.list_tracks(ListQuery(limit=100, sort="title"))
        return [t.id for t in page.items]

    @asynccontextmanager
    async def socket(self, user: User, *, via_query: bool = False) -> AsyncIterator[Socket]:
        """A WebSocket of ``user`` (token in the Authorization header, or ``?token=``)."""
        token = self.tokens[user.id]
        if via_query:
            async with connect(f"{self.ws_url}?token={token}") as ws:
                yield Socket(ws)
        else:
            async with connect(
                self.ws_url, additional_headers={"Authorization": f"Bearer {token}"}
            ) as ws:
                yield Socket(ws)

    def socket_raw(self, path: str) -> Any:
        """A WebSocket connection to ``path`` without credentials."""
        return connect(self.url.replace("http://", "ws://") + path)


class Socket:
    """A client WebSocket that decodes JSON and waits for message types with a timeout."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float = 2.0) -> dict[str, Any]:
        with anyio.fail_after(within):
            message: dict[str, Any] = json.loads(await self.ws.recv())
        self.seen.append(message)
        return message

    async def wait_for(self, kind: str, within: float = 2.0, **match: Any) -> dict[str, Any]:
        """The next message of type ``kind`` (and matching fields); others are kept in ``seen``."""
        with anyio.fail_after(within):
            while True:
                message = await self.receive(within)
                if message.get("type") == kind and all(
                    message.get(k) == v for k, v in match.items()
                ):
                    return message

    async def quiet(self, within: float = 0.3) -> list[dict[str, Any]]:
        """Every message that arrives within ``within`` seconds."""
        got: list[dict[str, Any]] = []
        with anyio.move_on_after(within):
            while True:
                got.append(await self.receive(within + 1))
        return got

    async def request(self, message: Mapping[str, Any], reply: str) -> dict[str, Any]:
        await self.send(message)
        return await self.wait_for(reply)


@asynccontextmanager
async def live_server(
    home: Path, scanned_data_dir: Path, library: Path, extra_config: str, *, port: int = 0
) -> AsyncIterator[LiveServer]:
    """Copy the scanned demo data dir into ``home``, start Segue under uvicorn, yield it."""
    data_dir = home / "data"
    if not data_dir.exists():
        await anyio.to_thread.run_sync(shutil.copytree, scanned_data_dir, data_dir)
    config_path = home / "segue.toml"
    config_path.write_text(base_config(data_dir, library, extra_config), encoding="utf-8")
    _raw, _plugins, context = load(config_path, extra_plugins=SOCIAL_PLUGINS, role="server")
    app = create_app(context)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, lifespan="on", ws="websockets-sansio"
        )
    )
    server.config.setup_event_loop = lambda: None  # type: ignore[method-assign]
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        with anyio.fail_after(20):
            while not server.started:
                if server.should_exit:
                    raise RuntimeError("the test server did not start")
                await anyio.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{bound}"
        try:
            async with httpx.AsyncClient(base_url=url, timeout=10) as http:
                yield LiveServer(context=context, url=url, http=http)
        finally:
            server.should_exit = True


def shown_tracks(feed: Mapping[str, Any]) -> dict[str, set[str]]:
    """Friend user id -> every track id a feed response shows for them."""
    shown: dict[str, set[str]] = {}
    for item in feed["items"]:
        ids = {p["track"]["id"] for p in item["recent"]}
        if item["now_playing"]:
            ids.add(item["now_playing"]["track"]["id"])
        shown[item["user_id"]] = ids
    return shown


def channel_names(channels: Iterable[str]) -> list[str]:
    return sorted(channels)
