"""One Subsonic API call: its parameters (query and form body), its user, its format."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response

from segue.context import SegueContext
from segue.models import User
from segue_subsonic.config import SubsonicConfig
from segue_subsonic.envelope import ErrorCode, Format, Payload, SubsonicError, bad_value, missing

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class Params:
    """Query and form parameters together (the formPost extension); repeats kept in order."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def get(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for v in self._values.get(name, []) if v != ""]

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            raise missing(name)
        return value

    def integer(
        self,
        name: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise bad_value(name, raw, "a whole number") from None
        if (low is not None and value < low) or (high is not None and value > high):
            shown = f"{low if low is not None else '...'} to {high if high is not None else '...'}"
            raise bad_value(name, raw, f"a whole number from {shown}")
        return value

    def count(self, name: str, default: int, high: int) -> int:
        """A page size: ``default`` when absent, between 0 and ``high``."""
        value = self.integer(name, default, low=0, high=high)
        return default if value is None else value

    def offset(self, name: str) -> int:
        value = self.integer(name, 0, low=0)
        return 0 if value is None else value

    def required_int(self, name: str, *, low: int | None = None, high: int | None = None) -> int:
        value = self.integer(name, None, low=low, high=high)
        if value is None:
            raise missing(name)
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise bad_value(name, raw, "true or false")


@dataclass
class Call:
    """What an endpoint gets: the request, the running Segue, the parameters, the user."""

    request: Request[Any, Any, Any]
    context: SegueContext
    config: SubsonicConfig
    params: Params
    fmt: Format
    client: str
    user_: User | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    """Per-call memo (the user's starred items and ratings, read once)."""

    @property
    def user(self) -> User:
        if self.user_ is None:  # endpoints that need no auth never read it
            raise SubsonicError(ErrorCode.WRONG_CREDENTIALS, "Wrong username or password")
        return self.user_

    def require_admin(self) -> None:
        if not self.user.is_admin:
            raise SubsonicError(
                ErrorCode.NOT_AUTHORIZED,
                f"User {self.user.name!r} is not authorized for the given operation "
                "(administrators only)",
            )


Handler = Callable[[Call], Awaitable[Payload | Response[Any]]]


@dataclass(frozen=True)
class Endpoint:
    """A Subsonic method: its handler, and whether it needs a user / an admin."""

    name: str
    handler: Handler
    auth: bool = True


ENDPOINTS: dict[str, Endpoint] = {}


def endpoint(name: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the Subsonic method ``name`` (``/rest/<name>[.view]``)."""

    def register(handler: Handler) -> Handler:
        ENDPOINTS[name] = Endpoint(name=name, handler=handler, auth=auth)
        return handler

    return register
