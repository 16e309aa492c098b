"""Devices and the server-side player: registration, transfer (handoff), remote commands.

The playback state lives in the presence slot; a device is told what to do
with a ``player.command`` message on its user's channel, which only the
socket registered as that device receives (see ``segue.social.session``).
"""

from __future__ import annotations

import secrets
import time

import msgspec

from segue.context import SegueContext
from segue.errors import InvalidInput, NotFound
from segue.slots.presence import Device, PlaybackState
from segue.social.activity import activity_service
from segue.social.live import user_channel
from segue.social.schemas import DeviceInfo, DeviceList, PlayerCommand

COMMAND = "player.command"
STATE = "player.state"


async def register_device(
    context: SegueContext, user_id: str, *, name: str, type: str, device_id: str | None
) -> Device:
    """Register (or re-register) a device of ``user_id``; it lives while it heartbeats."""
    device = Device(
        id=device_id or "dv" + secrets.token_hex(8), name=name, type=type, last_seen=time.time()
    )
    await activity_service(context).presence.put_device(user_id, device)
    return device


async def heartbeat(context: SegueContext, user_id: str, device: Device) -> Device:
    device = msgspec.structs.replace(device, last_seen=time.time())
    await activity_service(context).presence.put_device(user_id, device)
    return device


async def list_devices(context: SegueContext, user_id: str) -> DeviceList:
    presence = activity_service(context).presence
    devices = await presence.list_devices(user_id)
    state = await presence.get_playback(user_id)
    live = {d.id for d in devices}
    active = state.device_id if state is not None and state.device_id in live else None
    return DeviceList(
        devices=[
            DeviceInfo(
                id=d.id, name=d.name, type=d.type, last_seen=d.last_seen, is_active=d.id == active
            )
            for d in devices
        ],
        active_device_id=active,
    )


async def _live_device(context: SegueContext, user_id: str, device_id: str) -> None:
    devices = await activity_service(context).presence.list_devices(user_id)
    if device_id not in {d.id for d in devices}:
        known = ", ".join(f"'{d.id}' ({d.name})" for d in devices) or "none"
        raise NotFound(
            f"no connected device '{device_id}'; your devices: {known} "
            "(GET /api/v1/me/devices; devices register over GET /api/v1/ws)"
        )


async def _send(context: SegueContext, user_id: str, message: dict[str, object]) -> None:
    await activity_service(context).presence.publish(user_channel(user_id), message)


async def transfer(
    context: SegueContext, user_id: str, device_id: str, *, play: bool | None
) -> PlaybackState:
    """Move playback to ``device_id`` at the position of this moment; stop the old device."""
    await _live_device(context, user_id, device_id)
    service = activity_service(context)
    now = time.time()
    state = await service.presence.get_playback(user_id) or PlaybackState()
    position, anchored = state.anchor_at(now)
    moved = msgspec.structs.replace(
        state,
        device_id=device_id,
        position_ms=position,
        updated_at=anchored,
        paused=state.paused if play is None else not play,
    )
    await service.presence.set_playback(user_id, moved)
    encoded = msgspec.to_builtins(moved)
    if state.device_id is not None and state.device_id != device_id:
        await _send(
            context,
            user_id,
            {"type": COMMAND, "command": "stop", "device_id": state.device_id, "state": encoded},
        )
    await _send(
        context,
        user_id,
        {"type": COMMAND, "command": "transfer", "device_id": device_id, "state": encoded},
    )
    await _send(context, user_id, {"type": STATE, "state": encoded})
    if moved.paused != state.paused:
        await service.refresh(user_id)
    return moved


async def command(context: SegueContext, user_id: str, order: PlayerCommand) -> PlaybackState:
    """Apply a remote-control command to the server-side state and tell the target device."""
    service = activity_service(context)
    now = time.time()
    state = await service.presence.get_playback(user_id) or PlaybackState()
    target = order.device_id or state.device_id
    if target is None:
        raise InvalidInput(
            "no device is active: name one with 'device_id' (see GET /api/v1/me/devices)"
        )
    await _live_device(context, user_id, target)
    position, anchored = state.anchor_at(now)
    changes: dict[str, object] = {"position_ms": position, "updated_at": anchored}
    match order.command:
        case "play":
            changes["updated_at"] = now  # resumes from the frozen position now
            if state.track_id is None:
                raise InvalidInput(
                    "nothing to play: report a track with PUT /api/v1/me/player/state"
                )
            changes["paused"] = False
        case "pause":
            changes["paused"] = True
        case "seek":
            if order.position_ms is None:
                raise InvalidInput("'seek' needs 'position_ms' (milliseconds from the start)")
            changes |= {"position_ms": order.position_ms, "updated_at": now}
        case "next":
            if not state.queue:
                raise InvalidInput("the queue is empty: nothing to skip to")
            changes |= {
                "track_id": state.queue[0],
                "queue": state.queue[1:],
                "position_ms": 0,
                "updated_at": now,
            }
        case "previous":
            changes |= {"position_ms": 0, "updated_at": now}
        case "volume":
            if order.volume is None:
                raise InvalidInput("'volume' needs 'volume' (0 to 100)")
            changes["volume"] = order.volume
    new = msgspec.structs.replace(state, **changes)
    await service.presence.set_playback(user_id, new)
    encoded = msgspec.to_builtins(new)
    await _send(
        context,
        user_id,
        {
            "type": COMMAND,
            "command": order.command,
            "device_id": target,
            "state": encoded,
            "position_ms": order.position_ms,
            "volume": order.volume,
        },
    )
    await _send(context, user_id, {"type": STATE, "state": encoded})
    if order.command in ("play", "pause", "next"):
        await service.refresh(user_id)
    return new
