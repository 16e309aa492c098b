"""Segue plugin: the media storage slot on the local filesystem (the default)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import segue
from segue_storage_local.store import LocalStorage

if TYPE_CHECKING:
    from segue.context import SegueContext


def _build(context: SegueContext) -> LocalStorage:
    # A root may be named as configured ("music") or as its absolute path.
    roots: list[tuple[str, Path]] = []
    for configured, path in zip(context.config.library.paths, context.library_roots, strict=True):
        roots += [(configured, path), (str(path), path), (str(path.absolute()), path)]
    return LocalStorage(roots)


@segue.hookimpl
def register_backends() -> Sequence[segue.BackendSpec]:
    return [
        segue.BackendSpec(
            slot="storage",
            name="local",
            factory=_build,
            description="Reads media from the library folders on this machine.",
        )
    ]
