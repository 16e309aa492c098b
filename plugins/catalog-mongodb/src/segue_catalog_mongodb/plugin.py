"""The catalog-mongodb plugin: the ``mongodb`` backend of the catalog + users slot.

Set ``[catalog] backend = "mongodb"`` and ``[plugins.catalog-mongodb] url``;
``segue catalog migrate --to mongodb`` copies an existing SQLite catalog over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import click
import msgspec

import segue
from segue.context import SegueContext
from segue.slots.catalog import CatalogBackend
from segue_catalog_mongodb.migrate import catalog_group
from segue_catalog_mongodb.store import MongoCatalog

PLUGIN_NAME = "catalog-mongodb"


class Config(segue.PluginConfig):
    """``[plugins.catalog-mongodb]``: which MongoDB server and database hold the catalog."""

    url: Annotated[str, msgspec.Meta(min_length=1)] = "mongodb://localhost:27017/"
    """MongoDB connection string (``mongodb://`` or ``mongodb+srv://``), with
    credentials and options if the server needs them."""
    database: Annotated[str, msgspec.Meta(min_length=1, max_length=63)] = "segue"
    """Database that holds the tracks, albums, artists, users and social collections
    (it may be the playlists' database: the collection names differ)."""


def build_catalog(context: SegueContext) -> CatalogBackend:
    """The backend for ``[catalog] backend = "mongodb"``, configured from this plugin's section."""
    config = context.plugin_config(PLUGIN_NAME, Config)
    return MongoCatalog(config.url, config.database)


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="catalog",
            name="mongodb",
            factory=build_catalog,
            description="Tracks, albums, artists, users and friends in MongoDB (scale-out).",
        )
    ]


@segue.hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(catalog_group)
