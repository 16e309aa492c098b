"""Clients for the scale-out test: a user's HTTP calls and WebSockets against any process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
from websockets.asyncio.client import ClientConnection, connect

RECEIVE_TIMEOUT_S = 10.0


@dataclass
class Person:
    """A user with a login token."""

    id: str
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def call(self, base_url: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as http:
            return await http.request(method, path, headers=headers, **kwargs)

    @asynccontextmanager
    async def socket(self, base_url: str) -> AsyncIterator[Socket]:
        url = base_url.replace("http://", "ws://") + "/api/v1/ws"
        async with connect(url, additional_headers=self.headers) as ws:
            yield Socket(ws)


class Socket:
    """One live connection: send a message and wait for an answer of a given type."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def expect(
        self, kind: str, within: float = RECEIVE_TIMEOUT_S, **fields: Any
    ) -> dict[str, Any]:
        """The next message of type ``kind`` whose ``fields`` match (others are skipped)."""
        with anyio.fail_after(within):
            while True:
                message: dict[str, Any] = json.loads(await self.ws.recv())
                if message.get("type") == kind and all(
                    message.get(k) == v for k, v in fields.items()
                ):
                    return message

    async def ask(self, message: dict[str, Any], answer: str) -> dict[str, Any]:
        await self.send(message)
        return await self.expect(answer)

    async def register(self, name: str, device_id: str | None = None) -> str:
        """Register this socket as a device; its id."""
        message: dict[str, Any] = {"type": "device.register", "name": name}
        if device_id is not None:
            message["device_id"] = device_id
        registered = await self.ask(message, "device.registered")
        return str(registered["device"]["id"])
