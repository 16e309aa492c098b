"""The server-side player: state reports, handoff between devices, remote commands, devices."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.deps import Context
from segue.context import SegueContext
from segue.models import Credential, User
from segue.slots.presence import PlaybackState
from segue.social import player
from segue.social.activity import activity_service
from segue.social.schemas import (
    DeviceList,
    PlayerCommand,
    PlayerStateReport,
    PlayerView,
    TransferRequest,
)

AuthRequest = Request[User, Credential, Any]


def _view(state: PlaybackState) -> PlayerView:
    now = time.time()
    return PlayerView(state=state, position_ms=state.position_at(now), server_time=now)


class PlayerController(Controller):
    path = "/api/v1/me"
    tags = ["player"]

    @get("/player", operation_id="getPlayer", summary="Your playback state, position extrapolated")
    async def get_player(self, context: Context, request: AuthRequest) -> PlayerView:
        state = await activity_service(context).presence.get_playback(request.user.id)
        return _view(state or PlaybackState())

    @put(
        "/player/state",
        operation_id="reportPlayerState",
        summary="Report what this client plays (updates your now playing)",
    )
    async def report_state(
        self, context: Context, request: AuthRequest, data: JSONBody[PlayerStateReport]
    ) -> PlayerView:
        return _view(await activity_service(context).report_state(request.user.id, data))

    @put(
        "/player",
        operation_id="transferPlayback",
        summary="Move playback to another of your devices",
        description="Resumes at the position of the moment of transfer; the old device is told to stop.",
    )
    async def transfer(
        self, context: Context, request: AuthRequest, data: JSONBody[TransferRequest]
    ) -> PlayerView:
        state = await player.transfer(context, request.user.id, data.device_id, play=data.play)
        return _view(state)

    @post(
        "/player/commands",
        operation_id="sendPlayerCommand",
        summary="Remote control: play, pause, seek, next, previous, volume",
        status_code=200,
    )
    async def command(
        self, context: Context, request: AuthRequest, data: JSONBody[PlayerCommand]
    ) -> PlayerView:
        return _view(await player.command(context, request.user.id, data))

    @get(
        "/devices", operation_id="listDevices", summary="Your connected devices and the active one"
    )
    async def devices(self, context: Context, request: AuthRequest) -> DeviceList:
        return await player.list_devices(context, request.user.id)


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [PlayerController]
