"""Every error leaves the API as an RFC 9457 problem document, never as a traceback.

Segue's own exceptions carry messages written for people and map to their
status codes here; anything unexpected becomes a generic 500 whose traceback
goes to the log only.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.types import ExceptionHandlersMap

from segue.context import SlotUnavailable
from segue.errors import Conflict, InvalidInput, NotFound, OutsideLibrary

log = structlog.get_logger("segue.api")

# Segue exceptions whose message is safe and useful to show, by status.
_STATUS_OF: dict[type[Exception], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 400,
    OutsideLibrary: 403,
    SlotUnavailable: 503,
}


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    """A problem+json response: type, title (the status phrase), status, detail, instance."""
    exc = ProblemDetailsException(
        status_code=status,
        detail=detail,
        headers=dict(headers or {}),
        extra=extra,
        type_="about:blank",
        title=HTTPStatus(status).phrase,
        instance=request.url.path,
    )
    return exc.to_response(request)


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ProblemDetailsException):
        return exc.to_response(request)
    headers = dict(exc.headers or {})
    if exc.status_code == 429 and "RateLimit-Reset" in headers:
        headers.setdefault("Retry-After", headers["RateLimit-Reset"])
    extra: dict[str, Any] | None = None
    detail = exc.detail
    if isinstance(exc, ValidationException):
        extra = {"errors": exc.extra} if exc.extra else None
    elif exc.status_code == 429:
        detail = "too many requests: wait before trying again (see Retry-After)"
    elif exc.status_code >= 500:
        # Litestar's own 5xx details may describe internals; say no more than the status.
        detail = HTTPStatus(exc.status_code).phrase
    return problem(request, exc.status_code, detail, headers=headers, extra=extra)


def _segue_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = next((s for t, s in _STATUS_OF.items() if isinstance(exc, t)), 500)
    return problem(request, status, str(exc))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error(
        "unhandled error in request",
        method=request.method,
        path=request.url.path,
        error=repr(exc),
        exc_info=exc,
    )
    return problem(request, 500, "internal server error: the details are in the server log")


def exception_handlers() -> ExceptionHandlersMap:
    """The app's exception handlers (most specific class wins)."""
    handlers: ExceptionHandlersMap = {
        HTTPException: _http_exception,
        Exception: _unexpected,
    }
    for exc_type in _STATUS_OF:
        handlers[exc_type] = _segue_exception
    return handlers
