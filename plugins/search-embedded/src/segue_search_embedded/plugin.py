"""The search-embedded plugin: the ``embedded`` search backend (Tantivy in the data dir)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec

from segue import BackendSpec, PluginConfig, hookimpl
from segue.config.loader import resolve_path
from segue.context import SegueContext
from segue_search_embedded.backend import EmbeddedSearch

PLUGIN_NAME = "search-embedded"


class Config(PluginConfig, kw_only=True):
    """``[plugins.search-embedded]``."""

    path: str = ""
    """Folder of the index. Empty: ``search`` inside the data dir. Relative paths are
    resolved like data_dir."""
    writer_memory_mb: Annotated[int, msgspec.Meta(ge=15, le=4096)] = 64
    """Memory Tantivy may use while writing, in MB (more makes a full reindex faster)."""


def _build(context: SegueContext) -> EmbeddedSearch:
    config = context.plugin_config(PLUGIN_NAME, Config)
    directory = (
        resolve_path(context.config, config.path) if config.path else context.data_dir / "search"
    )
    return EmbeddedSearch(directory, writer_memory_mb=config.writer_memory_mb)


@hookimpl
def register_backends() -> Sequence[BackendSpec]:
    return [
        BackendSpec(
            slot="search",
            name="embedded",
            factory=_build,
            description="Tantivy index in the data dir: typo-tolerant, no server to run.",
        )
    ]
