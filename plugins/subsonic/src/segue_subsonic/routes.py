"""``/rest/<method>`` and ``/rest/<method>.view``: parse, authenticate, dispatch, answer.

Every failure is answered as a Subsonic error envelope in the format asked
for, never as a problem document or a 500: Segue's own errors map to the
spec's codes (not found: 70, forbidden: 50, bad input: 0).
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Annotated, Any

import structlog
from litestar import HttpMethod, Request, Response, route
from litestar.exceptions import HTTPException
from litestar.params import PathParameter

from segue.api.deps import Context
from segue.context import SlotUnavailable
from segue.errors import Conflict, InvalidInput, NotFound, OutsideLibrary, SegueError
from segue_subsonic import endpoints  # noqa: F401  (registers the methods)
from segue_subsonic.auth import authenticate
from segue_subsonic.call import ENDPOINTS, Call, Params
from segue_subsonic.config import SubsonicConfig
from segue_subsonic.envelope import (
    API_VERSION,
    ErrorCode,
    Format,
    FormatError,
    SubsonicError,
    error_body,
    ok_body,
    render,
)

log = structlog.get_logger("segue.subsonic")
PLUGIN_NAME = "subsonic"


def server_version() -> str:
    try:
        return metadata.version("segue-core")
    except metadata.PackageNotFoundError:
        return "0"


_SERVER_VERSION = server_version()


async def _params(request: Request[Any, Any, Any]) -> Params:
    pairs: list[tuple[str, str]] = list(request.query_params.multi_items())
    if request.method == HttpMethod.POST:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            pairs += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return Params(pairs)


def _check_version(params: Params) -> None:
    version = params.get("v")
    if not version:
        raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter is missing: v")
    wanted = tuple(int(n) for n in re.findall(r"\d+", version))
    if not wanted:
        raise SubsonicError(
            ErrorCode.GENERIC, f"Parameter v={version!r} is not a version like {API_VERSION}"
        )
    ours = tuple(int(part) for part in API_VERSION.split("."))
    # Only another major version is incompatible: newer 1.x clients use what we answer.
    if wanted[:1] > ours[:1]:
        raise SubsonicError(
            ErrorCode.SERVER_TOO_OLD,
            f"Incompatible Subsonic REST protocol version {version}: "
            f"server must upgrade (it speaks {API_VERSION})",
        )
    if wanted[:1] < ours[:1]:
        raise SubsonicError(
            ErrorCode.CLIENT_TOO_OLD,
            f"Incompatible Subsonic REST protocol version {version}: client must upgrade",
        )


def translate(exc: Exception) -> SubsonicError:
    """Segue's and Litestar's errors as Subsonic errors (messages written for people kept)."""
    if isinstance(exc, SubsonicError):
        return exc
    if isinstance(exc, NotFound):
        return SubsonicError(ErrorCode.NOT_FOUND, str(exc))
    if isinstance(exc, OutsideLibrary):
        return SubsonicError(ErrorCode.NOT_AUTHORIZED, str(exc))
    if isinstance(exc, InvalidInput | Conflict | SlotUnavailable):
        return SubsonicError(ErrorCode.GENERIC, str(exc))
    if isinstance(exc, HTTPException):
        detail = str(exc.detail)
        if exc.status_code in (401, 403):
            return SubsonicError(ErrorCode.NOT_AUTHORIZED, detail)
        if exc.status_code in (404, 410):
            return SubsonicError(ErrorCode.NOT_FOUND, detail)
        if exc.status_code >= 500 and exc.status_code != 503:
            return SubsonicError(ErrorCode.GENERIC, "server error: the details are in its log")
        return SubsonicError(ErrorCode.GENERIC, detail)
    if isinstance(exc, SegueError):
        return SubsonicError(ErrorCode.GENERIC, str(exc))
    return SubsonicError(ErrorCode.GENERIC, "server error: the details are in its log")


@route(
    ["/rest/{method:str}"],
    http_method=[HttpMethod.GET, HttpMethod.POST, HttpMethod.HEAD],
    opt={"public": True},  # Subsonic clients authenticate with u/t/s, p or apiKey
    include_in_schema=False,
    status_code=200,
)
async def subsonic_call(
    request: Request[Any, Any, Any],
    context: Context,
    method: Annotated[str, PathParameter(description="The Subsonic method, e.g. getAlbum.view.")],
) -> Response[Any]:
    """One Subsonic API call (see docs/subsonic.md)."""
    name = method.removesuffix(".view")
    fmt = Format("xml")
    try:
        params = await _params(request)
        fmt = Format.parse(params.get("f"), params.get("callback"))
        config = context.plugin_config(PLUGIN_NAME, SubsonicConfig)
        call = Call(
            request=request,
            context=context,
            config=config,
            params=params,
            fmt=fmt,
            client=params.get("c") or "unknown",
        )
        found = ENDPOINTS.get(name)
        if found is None:
            error = SubsonicError(
                ErrorCode.GENERIC,
                f"Unknown or unsupported API method {name!r}: see getOpenSubsonicExtensions "
                "and the server's docs for the methods it serves",
            )
            response = render(error_body(error, _SERVER_VERSION), fmt)
            response.status_code = 404
            return response
        if found.auth:
            _check_version(params)
            call.user_ = await authenticate(call)
            # Stream formats read the user (quality caps by role) from the scope.
            request.scope["user"] = call.user_
        result = await found.handler(call)
    except FormatError as exc:
        return render(error_body(exc.error, _SERVER_VERSION), exc.fallback)
    except Exception as exc:
        error = translate(exc)
        if not isinstance(exc, SegueError | SubsonicError | HTTPException):
            log.error("subsonic call failed", method=name, error=repr(exc), exc_info=exc)
        return render(error_body(error, _SERVER_VERSION), fmt)
    if isinstance(result, Response):
        return result
    return render(ok_body(result, _SERVER_VERSION), fmt)
