"""The search-meilisearch plugin: the ``meilisearch`` search backend (a Meilisearch server)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec

from segue import BackendSpec, PluginConfig, hookimpl
from segue.context import SegueContext
from segue_search_meilisearch.backend import MeilisearchSearch

PLUGIN_NAME = "search-meilisearch"


class Config(PluginConfig, kw_only=True):
    """``[plugins.search-meilisearch]``."""

    url: str = "http://127.0.0.1:7700"
    """Address of the Meilisearch server."""
    api_key: str = ""
    """A key allowed to manage the index (the master key works). Empty: no key."""
    index: str = "segue"
    """Name (uid) of the index Segue fills; ``<index>_rebuild`` is used while reindexing."""
    timeout: Annotated[float, msgspec.Meta(gt=0, le=300)] = 5.0
    """Seconds to wait for the server before a search answers 503."""


def _build(context: SegueContext) -> MeilisearchSearch:
    config = context.plugin_config(PLUGIN_NAME, Config)
    return MeilisearchSearch(config.url, config.api_key, config.index, config.timeout)


@hookimpl
def register_backends() -> Sequence[BackendSpec]:
    return [
        BackendSpec(
            slot="search",
            name="meilisearch",
            factory=_build,
            description="A Meilisearch server: shared by several Segue processes, scales out.",
        )
    ]
