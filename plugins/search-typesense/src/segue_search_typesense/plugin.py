"""The search-typesense plugin: the ``typesense`` search backend (a Typesense server)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec

from segue import BackendSpec, PluginConfig, hookimpl
from segue.context import SegueContext
from segue_search_typesense.backend import TypesenseSearch

PLUGIN_NAME = "search-typesense"


class Config(PluginConfig, kw_only=True):
    """``[plugins.search-typesense]``."""

    url: str = "http://127.0.0.1:8108"
    """Address of the Typesense server."""
    api_key: str = ""
    """A key allowed to manage collections and aliases (the server's admin key works)."""
    collection: str = "segue"
    """Alias Segue searches; it points at a collection ``<collection>_<time>`` that a
    reindex replaces."""
    timeout: Annotated[float, msgspec.Meta(gt=0, le=300)] = 5.0
    """Seconds to wait for the server before a search answers 503."""


def _build(context: SegueContext) -> TypesenseSearch:
    config = context.plugin_config(PLUGIN_NAME, Config)
    return TypesenseSearch(config.url, config.api_key, config.collection, config.timeout)


@hookimpl
def register_backends() -> Sequence[BackendSpec]:
    return [
        BackendSpec(
            slot="search",
            name="typesense",
            factory=_build,
            description="A Typesense server: shared by several Segue processes, scales out.",
        )
    ]
