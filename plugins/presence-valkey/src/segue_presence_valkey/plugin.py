"""The presence-valkey plugin: offers the ``valkey`` backend of the presence slot."""

from __future__ import annotations

from collections.abc import Sequence

import valkey.asyncio as valkey
from litestar.stores.base import NamespacedStore
from litestar.stores.valkey import ValkeyStore

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
def register_stores(context: SegueContext) -> Sequence[NamespacedStore]:
    """With ``[presence] backend = "valkey"``, Litestar's stores (login rate-limit
    counters...) live in the same Valkey, so every server counts alike."""
    # Slots are not built yet when the app is created: go by the configuration.
    if context.backend_name("presence") != "valkey":
        return []
    config = context.plugin_config("presence-valkey", Config)
    client = valkey.Valkey.from_url(
        config.url, socket_timeout=config.timeout_s, socket_connect_timeout=config.timeout_s
    )
    store = ValkeyStore(client, namespace=f"{config.key_prefix}store", handle_client_shutdown=True)
    return [store]


@segue.hookimpl
def startup(context: SegueContext) -> None:
    """Run live push's pub/sub reader for the life of the process."""
    presence = context.presence
    if isinstance(presence, ValkeyPresence):
        context.spawn(presence.run_pubsub, name="presence-valkey-pubsub")
