"""Segue plugin: the events slot as a durable SQLite queue with consumer groups (the default)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import msgspec

import segue
from segue_events_sqlite.queue import SQLiteEvents

if TYPE_CHECKING:
    from segue.context import SegueContext

PLUGIN_NAME = "events-sqlite"


class Config(segue.PluginConfig):
    """``[plugins.events-sqlite]``: where the queue lives and how it retries."""

    path: str = "events.sqlite3"
    """The queue's SQLite file. Relative paths are resolved against server.data_dir."""
    poll_interval: Annotated[float, msgspec.Meta(gt=0)] = 0.5
    """Seconds between checks for events published by other processes (a `segue worker`
    sharing the file). Events published in the same process wake consumers at once."""
    retry_delay: Annotated[float, msgspec.Meta(ge=0)] = 1.0
    """Seconds before a failed job is tried again; doubles with each attempt (at most 5 minutes)."""
    retention_days: Annotated[float, msgspec.Meta(ge=0)] = 7.0
    """Handled events older than this are deleted. 0 keeps every event forever."""


def _build(context: SegueContext) -> SQLiteEvents:
    config = context.plugin_config(PLUGIN_NAME, Config)
    path = context.data_dir / Path(config.path).expanduser()  # an absolute path stays as is
    return SQLiteEvents(
        path,
        poll_interval=config.poll_interval,
        retry_delay=config.retry_delay,
        retention_days=config.retention_days,
    )


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="events",
            name="sqlite",
            factory=_build,
            description="A durable queue in one SQLite file; shared by the processes of one machine.",
        )
    ]
