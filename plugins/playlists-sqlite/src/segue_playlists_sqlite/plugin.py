"""The playlists-sqlite plugin: offers the ``sqlite`` backend of the playlists slot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import msgspec

import segue
from segue.context import SegueContext
from segue.slots.playlists import PlaylistsBackend, PlaylistsConfig
from segue_playlists_sqlite.store import SQLitePlaylists

PLUGIN_NAME = "playlists-sqlite"


class Config(PlaylistsConfig):
    """``[plugins.playlists-sqlite]``: where playlists, library, history and queues live."""

    path: str = "playlists.sqlite3"
    """The playlists database file. Relative paths are resolved against the
    server's data_dir."""
    readers: Annotated[int, msgspec.Meta(ge=1)] = 4
    """Connections that serve reads concurrently beside the one writer."""


def database_path(context: SegueContext, config: Config) -> Path:
    path = Path(config.path).expanduser()
    return path if path.is_absolute() else context.data_dir / path


def build_playlists(context: SegueContext) -> PlaylistsBackend:
    """The backend for ``[playlists] backend = "sqlite"``, configured from this plugin's section."""
    config = context.plugin_config(PLUGIN_NAME, Config)
    return SQLitePlaylists(database_path(context, config), config, readers=config.readers)


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="playlists",
            name="sqlite",
            factory=build_playlists,
            description="Playlists, library, history and play queues in one SQLite file "
            "(embedded default).",
        )
    ]
