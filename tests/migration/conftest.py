"""Fixtures for the migration tests: a real Valkey and a real FerretDB (MongoDB wire protocol)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _ferretdb_server() -> ModuleType:
    """tests/playlists/ferretdb_server.py (test folders are not packages: load it by path)."""
    loaded = sys.modules.get("ferretdb_server")
    if loaded is not None:
        return loaded
    path = Path(__file__).resolve().parents[1] / "playlists" / "ferretdb_server.py"
    spec = importlib.util.spec_from_file_location("ferretdb_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ferretdb_server"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def migration_ferretdb_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("migration-ferretdb")
    with _ferretdb_server().running_ferretdb(home / "db") as url:
        yield str(url)


@pytest.fixture(scope="module")
def migration_valkey_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from segue_presence_valkey.testing import ValkeyProcess

    server = ValkeyProcess(tmp_path_factory.mktemp("migration-valkey"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
