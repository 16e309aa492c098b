"""What only the SQLite catalog backend promises: its file, its schema version, its config."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
import pytest

from segue.errors import ConfigError
from segue.models import ScanChanges, ScannedTrack
from segue_catalog_sqlite.schema import MIGRATIONS

if TYPE_CHECKING:
    from conftest import CatalogOpener  # type: ignore[import-not-found]

pytestmark = pytest.mark.anyio


@pytest.fixture
def catalog_backend_name() -> str:
    return "sqlite"


def read_user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def track(relpath: str) -> ScannedTrack:
    return ScannedTrack(
        root="/m", relpath=relpath, size=1, mtime_ns=1, content_key=relpath, codec="mp3",
        duration_ms=1, title=relpath,
    )  # fmt: skip


async def test_database_file_lives_in_data_dir_with_schema_version(
    catalog_opener: CatalogOpener,
) -> None:
    catalog = await catalog_opener.open()
    await catalog.apply_scan(ScanChanges(root="/m", added=[track("a.mp3")]))
    await catalog_opener.close(catalog)
    path = catalog_opener.data_dir / "catalog.sqlite3"
    assert await anyio.to_thread.run_sync(read_user_version, path) == len(MIGRATIONS)
    assert await anyio.to_thread.run_sync(journal_mode, path) == "wal"

    # Reopening an existing file runs no migration again and keeps the data.
    reopened = await catalog_opener.open()
    assert set(await reopened.file_states("/m")) == {"a.mp3"}
    assert await anyio.to_thread.run_sync(read_user_version, path) == len(MIGRATIONS)


async def test_configured_path_is_resolved_against_data_dir(
    catalog_opener: CatalogOpener,
) -> None:
    catalog = await catalog_opener.open({"plugins.catalog-sqlite.path": "db/cat.db"})
    await catalog.ping()
    assert (catalog_opener.data_dir / "db" / "cat.db").is_file()
    assert not (catalog_opener.data_dir / "catalog.sqlite3").exists()


async def test_absolute_path_is_used_as_is(catalog_opener: CatalogOpener, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "catalog.db"
    await catalog_opener.open({"plugins.catalog-sqlite.path": str(target)})
    assert target.is_file()


async def test_readers_must_be_positive(catalog_opener: CatalogOpener) -> None:
    with pytest.raises(ConfigError, match=r"plugins\.catalog-sqlite\.readers"):
        await catalog_opener.open({"plugins.catalog-sqlite.readers": 0})


async def test_ping_fails_once_closed(catalog_opener: CatalogOpener) -> None:
    catalog = await catalog_opener.open()
    await catalog_opener.close(catalog)
    with pytest.raises(RuntimeError, match="not open"):
        await catalog.ping()


async def test_newer_schema_than_known_is_refused(catalog_opener: CatalogOpener) -> None:
    path = catalog_opener.data_dir / "catalog.sqlite3"
    path.parent.mkdir(parents=True)

    def future_file() -> None:
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
        conn.close()

    await anyio.to_thread.run_sync(future_file)
    with pytest.raises(RuntimeError, match="newer"):
        await catalog_opener.open()
