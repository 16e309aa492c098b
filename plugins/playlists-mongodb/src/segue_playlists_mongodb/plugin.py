"""The playlists-mongodb plugin: the ``mongodb`` backend of the playlists slot.

Set ``[playlists] backend = "mongodb"`` and ``[plugins.playlists-mongodb]
url``; ``segue playlists migrate --to mongodb`` copies existing SQLite
playlists over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import click
import msgspec

import segue
from segue.context import SegueContext
from segue.slots.playlists import PlaylistsBackend, PlaylistsConfig
from segue_playlists_mongodb.migrate import playlists_group
from segue_playlists_mongodb.store import MongoPlaylists

PLUGIN_NAME = "playlists-mongodb"


class Config(PlaylistsConfig):
    """``[plugins.playlists-mongodb]``: which MongoDB server and database to use."""

    url: Annotated[str, msgspec.Meta(min_length=1)] = "mongodb://localhost:27017/"
    """MongoDB connection string (``mongodb://`` or ``mongodb+srv://``), with
    credentials and options if the server needs them."""
    database: Annotated[str, msgspec.Meta(min_length=1, max_length=63)] = "segue"
    """Database that holds the playlists, library, history and queue collections."""


def build_playlists(context: SegueContext) -> PlaylistsBackend:
    """The backend for ``[playlists] backend = "mongodb"``, configured from this plugin's section."""
    config = context.plugin_config(PLUGIN_NAME, Config)
    return MongoPlaylists(config.url, config.database, config)


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="playlists",
            name="mongodb",
            factory=build_playlists,
            description="Playlists, library, history and play queues in MongoDB (scale-out).",
        )
    ]


@segue.hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(playlists_group)
