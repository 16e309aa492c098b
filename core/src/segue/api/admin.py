"""Admin API: users and plugins (administrators only)."""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.deps import Context
from segue.api.schemas import NewUser
from segue.auth.accounts import create_user
from segue.auth.guards import admin_only
from segue.context import SegueContext
from segue.models import User
from segue.plugins.records import PluginRecord


class AdminController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]
    guards = [admin_only]

    @get("/users", operation_id="adminListUsers", summary="Every user")
    async def list_users(self, context: Context) -> list[User]:
        return await context.catalog.list_users()

    @post(
        "/users",
        operation_id="adminCreateUser",
        summary="Create a user (409 if the name is taken)",
        description="Names: letters, digits, `. _ - @ +`; passwords: at least 8 characters.",
    )
    async def create_user(self, context: Context, data: JSONBody[NewUser]) -> User:
        return await create_user(context, data.name, data.password, is_admin=data.is_admin)

    @get(
        "/plugins",
        operation_id="adminListPlugins",
        summary="Loaded plugins: version, hooks, backends, status",
    )
    async def list_plugins(self, context: Context) -> list[PluginRecord]:
        return list(context.plugins.records.values())


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [AdminController]
