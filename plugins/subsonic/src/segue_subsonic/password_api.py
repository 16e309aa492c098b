"""``PUT``/``DELETE /api/v1/me/subsonic-password``: a user sets their Subsonic password."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, put
from litestar.params import JSONBody

from segue.api.deps import Context
from segue.models import Credential, User
from segue_subsonic.config import SubsonicConfig
from segue_subsonic.sealing import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, set_password

PLUGIN_NAME = "subsonic"


class SubsonicPassword(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The password Subsonic apps will use (not your login password)."""

    password: Annotated[
        str, msgspec.Meta(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    ]


class SubsonicPasswordController(Controller):
    path = "/api/v1/me/subsonic-password"
    tags = ["subsonic"]

    @put(
        "/",
        operation_id="setSubsonicPassword",
        summary="Set your Subsonic app password (for token auth at /rest)",
        description=(
            "Subsonic clients authenticate with md5(password + salt), which needs a password "
            "the server can recover: this one is stored encrypted, apart from your login "
            "password (of which only a hash is kept). Use it only in Subsonic apps."
        ),
        status_code=204,
    )
    async def set_it(
        self,
        context: Context,
        request: Request[User, Credential, Any],
        data: JSONBody[SubsonicPassword],
    ) -> None:
        config = context.plugin_config(PLUGIN_NAME, SubsonicConfig)
        await set_password(context, config, request.user.id, data.password)

    @delete(
        "/",
        operation_id="deleteSubsonicPassword",
        summary="Remove your Subsonic app password (token auth stops working)",
        status_code=204,
    )
    async def delete_it(self, context: Context, request: Request[User, Credential, Any]) -> None:
        config = context.plugin_config(PLUGIN_NAME, SubsonicConfig)
        await set_password(context, config, request.user.id, None)
