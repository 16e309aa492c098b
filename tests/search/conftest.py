"""Fixtures of the search tests (helpers live in ``search_helpers``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from search_helpers import OpenSearch, backend_config, search_plugins

from segue.context import SegueContext
from segue.runtime import open_context


@pytest.fixture
def open_search(tmp_path: Path) -> OpenSearch:
    """``open_search(backend, *, role="cli", home=None, extra="", overrides=None)``.

    A running Segue (sqlite catalog and events, no HTTP) whose search slot
    is ``backend``; ``home`` reuses a folder to test restarts.
    """

    @asynccontextmanager
    async def open_(
        backend: str,
        *,
        role: Any = "cli",
        home: Path | None = None,
        extra: str = "",
        overrides: Mapping[str, Any] | None = None,
        library: Iterable[Path] = (),
    ) -> AsyncIterator[SegueContext]:
        home = home or tmp_path / "home"
        home.mkdir(parents=True, exist_ok=True)
        config = home / "segue.toml"
        if not config.exists():
            paths = ", ".join(f'"{p}"' for p in library)
            config.write_text(
                f'[server]\ndata_dir = "{home / "data"}"\n\n'
                f"[library]\npaths = [{paths}]\nscan_on_startup = false\n\n"
                f"{backend_config(backend)}{extra}",
                encoding="utf-8",
            )
        async with open_context(
            config, role=role, overrides=overrides, extra_plugins=search_plugins()
        ) as context:
            yield context

    return open_
