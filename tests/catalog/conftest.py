"""Fixtures for the catalog slot's contract tests: every backend is built the way Segue builds it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import segue
import segue.runtime
from segue.context import SegueContext
from segue.plugins.manager import PluginSet
from segue.slots.catalog import CatalogBackend

CATALOG_BACKENDS = ["sqlite", "mongodb"]
"""Every catalog backend the contract runs against."""

BACKEND_OVERRIDES: dict[str, dict[str, Any]] = {"sqlite": {}, "mongodb": {}}
"""Extra config (dotted key -> value) a backend needs, e.g. a server URL.

The MongoDB entry is filled per test by ``catalog_opener``: FerretDB's URL
and a fresh database name, so that every test starts from an empty catalog.
"""


def mongodb_overrides(url: str) -> dict[str, Any]:
    """Config selecting the MongoDB catalog on ``url`` with a database of its own."""
    return {
        "plugins.catalog-mongodb.url": url,
        "plugins.catalog-mongodb.database": f"c{uuid.uuid4().hex[:16]}",
    }


def load_plugins(
    data_dir: Path, backend: str, extra: dict[str, Any] | None = None
) -> tuple[PluginSet, SegueContext]:
    """Load Segue's config and plugins as `segue serve` would, with the catalog set to ``backend``."""
    overrides = {
        "server.data_dir": str(data_dir),
        "catalog.backend": backend,
        **BACKEND_OVERRIDES[backend],
        **(extra or {}),
    }
    _raw, plugins, context = segue.runtime.load(None, overrides=overrides)
    return plugins, context


class CatalogOpener:
    """Builds and starts catalog backends through the real plugin path; closes them after."""

    def __init__(
        self, backend: str, data_dir: Path, backend_overrides: dict[str, Any] | None = None
    ) -> None:
        self.backend = backend
        self.data_dir = data_dir
        self.backend_overrides = dict(backend_overrides or {})
        self._open: list[CatalogBackend] = []

    async def open(self, overrides: dict[str, Any] | None = None) -> CatalogBackend:
        """A started backend on this opener's data_dir (the same files each time)."""
        extra = {**self.backend_overrides, **(overrides or {})}
        plugins, context = load_plugins(self.data_dir, self.backend, extra)
        spec = plugins.backends["catalog"][self.backend]
        backend: CatalogBackend = spec.factory(context)  # type: ignore[assignment]
        try:
            await backend.start()
        except BaseException:
            await backend.close()  # the Backend contract: close also follows a failed start
            raise
        self._open.append(backend)
        return backend

    async def close(self, backend: CatalogBackend) -> None:
        self._open.remove(backend)
        await backend.close()

    async def close_all(self) -> None:
        while self._open:
            await self._open.pop().close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=CATALOG_BACKENDS)
def catalog_backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def catalog_opener(
    catalog_backend_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[CatalogOpener]:
    extra: dict[str, Any] = {}
    if catalog_backend_name == "mongodb":
        extra = mongodb_overrides(request.getfixturevalue("ferretdb_url"))
    opener = CatalogOpener(catalog_backend_name, tmp_path / "data", extra)
    try:
        yield opener
    finally:
        await opener.close_all()


@pytest.fixture
async def catalog(catalog_opener: CatalogOpener) -> CatalogBackend:
    return await catalog_opener.open()


OpenCatalog = Callable[[str], Awaitable[CatalogBackend]]


@pytest.fixture
async def open_catalog(
    tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[OpenCatalog]:
    """``await open_catalog("sqlite" | "mongodb")``: a fresh, started, empty catalog of that backend."""
    openers: list[CatalogOpener] = []

    async def open_one(backend: str) -> CatalogBackend:
        extra: dict[str, Any] = {}
        if backend == "mongodb":
            extra = mongodb_overrides(request.getfixturevalue("ferretdb_url"))
        opener = CatalogOpener(backend, tmp_path / f"data{len(openers)}", extra)
        openers.append(opener)
        return await opener.open()

    try:
        yield open_one
    finally:
        for opener in openers:
            await opener.close_all()


@pytest.fixture
async def mongodb_pair(
    tmp_path: Path, ferretdb_url: str
) -> AsyncIterator[tuple[CatalogBackend, CatalogBackend]]:
    """Two MongoDB catalogs on one database, as two Segue processes would open them."""
    opener = CatalogOpener("mongodb", tmp_path / "data", mongodb_overrides(ferretdb_url))
    try:
        yield await opener.open(), await opener.open()
    finally:
        await opener.close_all()
