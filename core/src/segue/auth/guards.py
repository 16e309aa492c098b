"""Route guards: who may call a handler beyond being authenticated."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from segue.models import User


def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Allow only administrators; others get a 403 problem.

    Use as ``guards=[admin_only]`` on a handler, controller or router.
    """
    user = connection.scope.get("user")
    if not isinstance(user, User):
        raise NotAuthorizedException(detail="authentication required")
    if not user.is_admin:
        raise PermissionDeniedException(detail="this endpoint is for administrators only")
