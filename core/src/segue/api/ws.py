"""``GET /api/v1/ws``: the one WebSocket for live data (friend activity, player, other features).

Authenticated like every route (``Authorization: Bearer`` or ``?token=``).
Every message either way is a JSON object with a ``type``; see
docs/presence.md for the list. The server pushes what the connection's
:class:`~segue.social.session.LiveSession` yields; the client registers its
device, heartbeats and sends player reports and commands.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

import anyio
import msgspec
import structlog
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.deps import Context
from segue.context import SegueContext
from segue.errors import SegueError
from segue.models import Credential, User
from segue.slots.presence import Device
from segue.social import player
from segue.social.activity import activity_service
from segue.social.schemas import PlayerCommand, PlayerStateReport, TransferRequest
from segue.social.session import LiveSession

log = structlog.get_logger("segue.ws")


class Ping(msgspec.Struct, tag_field="type", tag="ping", forbid_unknown_fields=True):
    """Answered with ``{"type": "pong"}``."""


class RegisterDevice(
    msgspec.Struct,
    tag_field="type",
    tag="device.register",
    kw_only=True,
    forbid_unknown_fields=True,
):
    """Register this connection as a device; answered with ``device.registered``."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    device_type: Annotated[str, msgspec.Meta(max_length=40)] = "unknown"
    device_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None
    """Keep the id across reconnects by sending the one received before."""


class Heartbeat(
    msgspec.Struct, tag_field="type", tag="device.heartbeat", forbid_unknown_fields=True
):
    """Keeps the registered device alive (send at least every 60 s)."""


class StateMessage(PlayerStateReport, tag_field="type", tag="player.state"):
    """Same body as ``PUT /api/v1/me/player/state``."""


class CommandMessage(PlayerCommand, tag_field="type", tag="player.command"):
    """Same body as ``POST /api/v1/me/player/commands``."""


class TransferMessage(TransferRequest, tag_field="type", tag="player.transfer"):
    """Same body as ``PUT /api/v1/me/player``."""


ClientMessage = Ping | RegisterDevice | Heartbeat | StateMessage | CommandMessage | TransferMessage
_decode = msgspec.json.Decoder(ClientMessage).decode
_encode = msgspec.json.Encoder().encode
CLIENT_TYPES = (
    "ping",
    "device.register",
    "device.heartbeat",
    "player.state",
    "player.command",
    "player.transfer",
)


class Connection:
    """One accepted socket: sends under a lock, answers client messages."""

    def __init__(self, socket: WebSocket[User, Credential, Any], context: SegueContext) -> None:
        self.socket = socket
        self.context = context
        self.user = socket.user
        self.session = LiveSession(context, self.user.id)
        self.device: Device | None = None
        # Uncontended most of the time: no trip through the event loop then.
        self._send_lock = anyio.Lock(fast_acquire=True)

    async def send(self, message: dict[str, Any]) -> None:
        text = _encoded(message)
        async with self._send_lock:
            await self.socket.send_text(text)

    async def push(self, messages: AsyncIterator[dict[str, Any]]) -> None:
        async for message in messages:
            await self.send(message)

    async def handle(self, raw: str) -> dict[str, Any]:
        try:
            message = _decode(raw)
        except msgspec.ValidationError as exc:
            return _error(
                None,
                f"{exc}; messages are JSON objects whose 'type' is one of {', '.join(CLIENT_TYPES)}",
            )
        except msgspec.DecodeError:
            return _error(None, "not JSON: every message is a JSON object with a 'type' field")
        kind = message.__struct_config__.tag
        try:
            return await self._dispatch(message)
        except SegueError as exc:
            return _error(str(kind), str(exc))

    async def _dispatch(self, message: ClientMessage) -> dict[str, Any]:
        user_id = self.user.id
        match message:
            case Ping():
                return {"type": "pong"}
            case RegisterDevice():
                self.device = await player.register_device(
                    self.context,
                    user_id,
                    name=message.name,
                    type=message.device_type,
                    device_id=message.device_id,
                )
                self.session.device_id = self.device.id
                return {"type": "device.registered", "device": msgspec.to_builtins(self.device)}
            case Heartbeat():
                if self.device is None:
                    return _error(
                        "device.heartbeat",
                        "register first: send {'type': 'device.register', 'name': ...}",
                    )
                self.device = await player.heartbeat(self.context, user_id, self.device)
                return {"type": "ok", "of": "device.heartbeat"}
            case StateMessage():
                report = PlayerStateReport(**msgspec.structs.asdict(message))
                if report.device_id is None and self.device is not None:
                    report.device_id = self.device.id
                await activity_service(self.context).report_state(user_id, report)
                return {"type": "ok", "of": "player.state"}
            case CommandMessage():
                await player.command(
                    self.context, user_id, PlayerCommand(**msgspec.structs.asdict(message))
                )
                return {"type": "ok", "of": "player.command"}
            case TransferMessage():
                await player.transfer(self.context, user_id, message.device_id, play=message.play)
                return {"type": "ok", "of": "player.transfer"}

    async def close(self) -> None:
        if self.device is not None:
            with anyio.CancelScope(shield=True):
                await activity_service(self.context).presence.remove_device(
                    self.user.id, self.device.id
                )


_last_encoded: tuple[dict[str, Any] | None, str] = (None, "")


def _encoded(message: dict[str, Any]) -> str:
    """The message as JSON text. A pushed message is one object handed to every
    socket that receives it: it is encoded once, for the first of them."""
    global _last_encoded
    last, text = _last_encoded
    if last is not message:
        text = _encode(message).decode()
        _last_encoded = (message, text)
    return text


def _error(of: str | None, detail: str) -> dict[str, Any]:
    return {"type": "error", "of": of, "detail": detail}


@websocket("/api/v1/ws", name="live-socket")
async def live_socket(socket: WebSocket[User, Credential, Any], context: Context) -> None:
    """The live connection of one user (see the module docstring and docs/presence.md)."""
    await socket.accept()
    if context.presence is None:
        # Accepted first so that the client gets the reason (a refused handshake has none).
        await socket.close(
            code=1011, reason='no presence backend: set [presence] backend = "memory"'
        )
        return
    connection = Connection(socket, context)
    try:
        async with connection.session.open() as messages, anyio.create_task_group() as tg:
            tg.start_soon(connection.push, messages)
            try:
                while True:
                    reply = await connection.handle(await socket.receive_text())
                    await connection.send(reply)
            except WebSocketDisconnect:
                pass
            finally:
                tg.cancel_scope.cancel()
    finally:
        await connection.close()


@hookimpl
def register_websocket_handlers(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [live_socket]
