"""The presence-valkey plugin: offers the ``valkey`` backend of the presence slot."""

from __future__ import annotations

from collections.abc import Sequence

import segue
from segue.context import SegueContext
from segue.slots.presence import PresenceBackend
from segue_presence_valkey.config import Config
from segue_presence_valkey.store import ValkeyPresence


def build_presence(context: SegueContext) -> PresenceBackend:
    """The backend for ``[presence] backend = "valkey"``, configured from this plugin's section."""
    return ValkeyPresence(context.plugin_config("presence-valkey", Config))


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="presence",
            name="valkey",
            factory=build_presence,
            description="Now playing, history and live push in Valkey (several servers).",
        )
    ]


@segue.hookimpl
def startup(context: SegueContext) -> None:
    """Run live push's pub/sub reader for the life of the process."""
    presence = context.presence
    if isinstance(presence, ValkeyPresence):
        context.spawn(presence.run_pubsub, name="presence-valkey-pubsub")
