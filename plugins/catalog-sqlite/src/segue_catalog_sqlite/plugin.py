"""The catalog-sqlite plugin: offers the ``sqlite`` backend of the catalog + users slot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import msgspec

import segue
from segue.context import SegueContext
from segue.slots.catalog import CatalogBackend
from segue_catalog_sqlite.store import SQLiteCatalog


class Config(segue.PluginConfig):
    """``[plugins.catalog-sqlite]``: where the catalog database lives."""

    path: str = "catalog.sqlite3"
    """The catalog database file. Relative paths are resolved against the
    server's data_dir."""
    readers: Annotated[int, msgspec.Meta(ge=1)] = 4
    """Connections that serve reads concurrently (SQLite in WAL mode lets
    readers run beside the one writer)."""


def database_path(context: SegueContext, config: Config) -> Path:
    path = Path(config.path).expanduser()
    return path if path.is_absolute() else context.data_dir / path


def build_catalog(context: SegueContext) -> CatalogBackend:
    """The backend for ``[catalog] backend = "sqlite"``, configured from this plugin's section."""
    config = context.plugin_config("catalog-sqlite", Config)
    return SQLiteCatalog(database_path(context, config), readers=config.readers)


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="catalog",
            name="sqlite",
            factory=build_catalog,
            description="Tracks, albums, artists and users in one SQLite file (embedded default).",
        )
    ]
