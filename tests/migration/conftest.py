"""Fixtures for the migration tests: a real Valkey (FerretDB comes from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def migration_valkey_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from segue_presence_valkey.testing import ValkeyProcess

    server = ValkeyProcess(tmp_path_factory.mktemp("migration-valkey"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
