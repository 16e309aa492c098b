"""Fixtures for the catalog slot's contract tests: every backend is built the way Segue builds it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import segue
import segue.runtime
from segue.context import SegueContext
from segue.plugins.manager import PluginSet
from segue.slots.catalog import CatalogBackend

CATALOG_BACKENDS = ["sqlite"]
"""Every catalog backend the contract runs against (a MongoDB one joins later)."""

BACKEND_OVERRIDES: dict[str, dict[str, Any]] = {"sqlite": {}}
"""Extra config (dotted key -> value) a backend needs, e.g. a server URL."""


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

    def __init__(self, backend: str, data_dir: Path) -> None:
        self.backend = backend
        self.data_dir = data_dir
        self._open: list[CatalogBackend] = []

    async def open(self, overrides: dict[str, Any] | None = None) -> CatalogBackend:
        """A started backend on this opener's data_dir (the same files each time)."""
        plugins, context = load_plugins(self.data_dir, self.backend, overrides)
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
async def catalog_opener(catalog_backend_name: str, tmp_path: Path) -> AsyncIterator[CatalogOpener]:
    opener = CatalogOpener(catalog_backend_name, tmp_path / "data")
    try:
        yield opener
    finally:
        await opener.close_all()


@pytest.fixture
async def catalog(catalog_opener: CatalogOpener) -> CatalogBackend:
    return await catalog_opener.open()
