"""The ``register_stores`` hook: Litestar's named stores shared by every Segue process.

The login rate limit is the store-backed feature here: two apps (two
"processes") given one shared store count a client's attempts together, so
the attempt that goes over the limit is refused whichever app it reaches.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from litestar.stores.base import NamespacedStore
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.testing import AsyncTestClient

import segue
from segue.context import SegueContext
from segue.shared_store import TolerantStore

pytestmark = pytest.mark.anyio

LIMIT = 2
"""Login attempts per minute in these tests."""
BAD_LOGIN = {"username": "nobody", "password": "wrong-password"}


class FolderStore(FileStore):
    """A FileStore that takes any store name as namespace (FileStore wants letters and digits)."""

    def with_namespace(self, namespace: str) -> FolderStore:
        name = "".join(c for c in namespace if c.isalnum())
        return FolderStore(self.path / name, create_directories=True)


class SharedFileStore:
    """A plugin offering a FileStore in one folder: every app given it shares the counters."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @segue.hookimpl
    def register_stores(self, context: SegueContext) -> Sequence[NamespacedStore]:
        return [FolderStore(self.folder, create_directories=True)]


async def _attempts(client: AsyncTestClient, count: int) -> list[int]:  # type: ignore[type-arg]
    return [
        (await client.post("/api/v1/auth/login", json=BAD_LOGIN)).status_code for _ in range(count)
    ]


async def test_hook_register_stores(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plugin = [("shared-file-store", SharedFileStore(tmp_path / "stores"))]
    limit = {"auth.login_attempts_per_minute": LIMIT}
    async with (
        make_app(extra_plugins=plugin, overrides=limit) as first,
        make_app(extra_plugins=plugin, overrides=limit) as second,
    ):
        store = first.app.stores.get("segue_login_rate_limit")
        assert isinstance(store, TolerantStore) and isinstance(store.inner, FileStore)
        assert store.inner.path.is_relative_to(tmp_path / "stores")
        assert await _attempts(first.client, LIMIT) == [401] * LIMIT
        # The limit was reached on the first app: the second one refuses too.
        assert await _attempts(second.client, 1) == [429]


async def test_without_a_shared_store_each_app_counts_alone(make_app) -> None:  # type: ignore[no-untyped-def]
    limit = {"auth.login_attempts_per_minute": LIMIT}
    async with make_app(overrides=limit) as first, make_app(overrides=limit) as second:
        assert isinstance(first.app.stores.get("segue_login_rate_limit"), MemoryStore)
        assert await _attempts(first.client, LIMIT + 1) == [401] * LIMIT + [429]
        assert await _attempts(second.client, 1) == [401]


async def test_presence_valkey_shares_the_login_rate_limit(  # type: ignore[no-untyped-def]
    make_app, scaleout_valkey_url: str
) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    extra = (
        '[presence]\nbackend = "valkey"\n\n[plugins.presence-valkey]\n'
        f'url = "{scaleout_valkey_url}"\nkey_prefix = "{prefix}"\n'
    )
    limit = {"auth.login_attempts_per_minute": LIMIT}
    async with (
        make_app(extra_config=extra, overrides=limit) as first,
        make_app(extra_config=extra, overrides=limit) as second,
    ):
        store = first.app.stores.get("segue_login_rate_limit")
        assert isinstance(store, TolerantStore)
        assert type(store.inner).__name__ == "ValkeyStore"
        assert await _attempts(first.client, LIMIT) == [401] * LIMIT
        assert await _attempts(second.client, 1) == [429]


async def test_login_while_the_shared_store_is_away_is_not_rate_limited(  # type: ignore[no-untyped-def]
    make_app, tmp_path: Path
) -> None:
    """Valkey away: logins still answer (401 here), unlimited; limits apply again once it is back."""
    from segue_presence_valkey.testing import ValkeyProcess

    server = ValkeyProcess(tmp_path / "valkey")
    server.start()
    extra = (
        '[presence]\nbackend = "valkey"\n\n[plugins.presence-valkey]\n'
        f'url = "{server.url}"\ntimeout_s = 0.5\n'
    )
    limit = {"auth.login_attempts_per_minute": LIMIT}
    try:
        async with make_app(extra_config=extra, overrides=limit) as running:
            server.stop()
            assert await _attempts(running.client, LIMIT + 1) == [401] * (LIMIT + 1)
            server.start()
            assert await _attempts(running.client, LIMIT + 1) == [401] * LIMIT + [429]
    finally:
        server.stop()
