"""The presence-memory plugin: offers the ``memory`` backend of the presence slot."""

from __future__ import annotations

from collections.abc import Sequence

import segue
from segue.context import SegueContext
from segue.slots.presence import PresenceBackend, PresenceConfig
from segue_presence_memory.store import MemoryPresence


class Config(PresenceConfig):
    """``[plugins.presence-memory]``: history size, grace period, update rate, device timeout."""


def build_presence(context: SegueContext) -> PresenceBackend:
    """The backend for ``[presence] backend = "memory"``, configured from this plugin's section."""
    return MemoryPresence(context.plugin_config("presence-memory", Config))


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="presence",
            name="memory",
            factory=build_presence,
            description="Now playing, live push and devices in this process (one server).",
        )
    ]
