"""Login, logout, the current user and their API keys; creates the first admin on start."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from litestar import Controller, Request, Router, delete, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import JSONBody, PathParameter
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.deps import Context
from segue.api.schemas import ApiKeyCreated, ApiKeyInfo, ApiKeyRequest, LoginRequest, LoginResponse
from segue.auth.first_run import ensure_admin
from segue.auth.passwords import verify_password
from segue.auth.tokens import issue_api_key, issue_session
from segue.context import SegueContext
from segue.errors import NotFound
from segue.models import Credential, User

AuthRequest = Request[User, Credential, Any]


def login_rate_limit(context: SegueContext) -> RateLimitConfig:
    """``[auth] login_attempts_per_minute`` per client address, on the login route only."""
    return RateLimitConfig(
        rate_limit=("minute", context.config.auth.login_attempts_per_minute),
        store="segue_login_rate_limit",
    )


class LoginController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/login",
        opt={"public": True},
        operation_id="login",
        summary="Exchange a user name and password for a token",
        description=(
            "Public. Returns a bearer token valid for `[auth] token_ttl_days`. "
            "Rate-limited per client address (429 with Retry-After)."
        ),
        security=[{}],
        status_code=200,
    )
    async def login(self, context: Context, data: JSONBody[LoginRequest]) -> LoginResponse:
        user = await context.catalog.get_user_by_name(data.username)
        stored = await context.catalog.get_password_hash(user.id) if user else None
        if not await verify_password(data.password, stored) or user is None:
            raise NotAuthorizedException(detail="invalid username or password")
        token, credential = await issue_session(context, user)
        assert credential.expires_at is not None  # sessions always expire
        return LoginResponse(token=token, expires_at=credential.expires_at, user=user)


class SessionController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/logout",
        operation_id="logout",
        summary="Revoke the token or key this request was made with",
        status_code=204,
    )
    async def logout(self, context: Context, request: AuthRequest) -> None:
        await context.catalog.delete_credential(request.user.id, request.auth.id)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["auth"]

    @get("/", operation_id="getMe", summary="The authenticated user")
    async def me(self, request: AuthRequest) -> User:
        return request.user

    @post(
        "/api-keys",
        operation_id="createApiKey",
        summary="Create an API key (its secret is shown only in this response)",
    )
    async def create_api_key(
        self, context: Context, request: AuthRequest, data: JSONBody[ApiKeyRequest]
    ) -> ApiKeyCreated:
        key, credential = await issue_api_key(context, request.user, data.name)
        return ApiKeyCreated(
            id=credential.id, name=credential.name, key=key, created_at=credential.created_at
        )

    @get("/api-keys", operation_id="listApiKeys", summary="The user's API keys (without secrets)")
    async def list_api_keys(self, context: Context, request: AuthRequest) -> list[ApiKeyInfo]:
        return [
            ApiKeyInfo(id=c.id, name=c.name, created_at=c.created_at, last_used_at=c.last_used_at)
            for c in await context.catalog.list_credentials(request.user.id)
            if c.kind == "api_key"
        ]

    @delete(
        "/api-keys/{key_id:str}",
        operation_id="deleteApiKey",
        summary="Delete one of the user's API keys",
        status_code=204,
    )
    async def delete_api_key(
        self,
        context: Context,
        request: AuthRequest,
        key_id: Annotated[str, PathParameter(description="The key's id (from the listing).")],
    ) -> None:
        keys = {
            c.id
            for c in await context.catalog.list_credentials(request.user.id)
            if c.kind == "api_key"
        }
        if key_id not in keys or not await context.catalog.delete_credential(
            request.user.id, key_id
        ):
            raise NotFound(f"you have no API key with id '{key_id}'")


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    # A router of its own, so that the rate limit applies to the login route only.
    login = Router(
        path="/",
        route_handlers=[LoginController],
        middleware=[login_rate_limit(context).middleware],
    )
    return [login, SessionController, MeController]


@hookimpl
async def startup(context: SegueContext) -> None:
    """First run of a server: create the admin account if there is no user yet."""
    if context.role == "server":
        await ensure_admin(context)
