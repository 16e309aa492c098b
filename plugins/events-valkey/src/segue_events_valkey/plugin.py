"""Segue plugin: the events slot on Valkey Streams with consumer groups (for scale-out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import msgspec

import segue
from segue_events_valkey.streams import ValkeyEvents

if TYPE_CHECKING:
    from segue.context import SegueContext

PLUGIN_NAME = "events-valkey"


class Config(segue.PluginConfig):
    """``[plugins.events-valkey]``: which Valkey, and how events are retried and deduplicated."""

    url: str = "valkey://localhost:6379/0"
    """Valkey server URL: valkey://[:password@]host:port/db (or valkeys:// for TLS,
    unix:///path/to/socket)."""
    key_prefix: str = "segue:"
    """Prefix of every key Segue writes, so that several Segues can share one Valkey."""
    retry_delay: Annotated[float, msgspec.Meta(ge=0)] = 1.0
    """Seconds before a failed job is tried again; doubles with each attempt (at most 5 minutes)."""
    dedupe_days: Annotated[float, msgspec.Meta(ge=0)] = 7.0
    """Days an event id is remembered, so that publishing it again is a no-op. 0 remembers
    forever."""


def _build(context: SegueContext) -> ValkeyEvents:
    config = context.plugin_config(PLUGIN_NAME, Config)
    return ValkeyEvents(
        config.url,
        prefix=config.key_prefix,
        retry_delay=config.retry_delay,
        dedupe_days=config.dedupe_days,
    )


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="events",
            name="valkey",
            factory=_build,
            description="Valkey Streams with consumer groups; shared by servers and workers "
            "on many machines.",
        )
    ]
