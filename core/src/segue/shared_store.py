"""The shared Litestar store, made to degrade instead of failing requests.

A plugin's shared store (``register_stores``) lives in another server
(Valkey...). While that server is away, a login must not turn into a 500
because its rate-limit counter cannot be read: :class:`TolerantStore`
answers "nothing stored" and drops writes, logging the outage once per
store until it is back. Rate limits are therefore not enforced during an
outage, and enforced again as soon as the store answers.
"""

from __future__ import annotations

from datetime import timedelta
from types import TracebackType

import structlog
from litestar.stores.base import NamespacedStore

log = structlog.get_logger("segue.stores")


class TolerantStore(NamespacedStore):
    """Wraps a shared store: its failures are logged, and reads then find nothing."""

    def __init__(self, inner: NamespacedStore, name: str = "") -> None:
        self.inner = inner
        self.name = name
        self._away = False

    def with_namespace(self, namespace: str) -> TolerantStore:
        return TolerantStore(self.inner.with_namespace(namespace), namespace)

    def _failed(self, operation: str, exc: Exception) -> None:
        if not self._away:
            log.warning(
                "shared store unreachable: treated as empty until it answers",
                store=self.name or type(self.inner).__name__,
                operation=operation,
                error=f"{type(exc).__name__}: {exc}",
            )
        self._away = True

    def _answered(self) -> None:
        if self._away:
            log.info("shared store answers again", store=self.name or type(self.inner).__name__)
        self._away = False

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        try:
            await self.inner.set(key, value, expires_in)
        except Exception as exc:
            self._failed("set", exc)
        else:
            self._answered()

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        try:
            value = await self.inner.get(key, renew_for)
        except Exception as exc:
            self._failed("get", exc)
            return None
        self._answered()
        return value

    async def delete(self, key: str) -> None:
        try:
            await self.inner.delete(key)
        except Exception as exc:
            self._failed("delete", exc)

    async def delete_all(self) -> None:
        await self.inner.delete_all()  # an explicit admin action: let it fail loudly

    async def exists(self, key: str) -> bool:
        try:
            return await self.inner.exists(key)
        except Exception as exc:
            self._failed("exists", exc)
            return False

    async def expires_in(self, key: str) -> int | None:
        try:
            return await self.inner.expires_in(key)
        except Exception as exc:
            self._failed("expires_in", exc)
            return None

    async def __aenter__(self) -> None:
        await self.inner.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.inner.__aexit__(exc_type, exc_val, exc_tb)
