"""The catalog-filesystem plugin: scans library folders into the catalog.

Hooks: ``segue scan`` and ``segue demo`` commands, a scan on server start-up,
the admin scan API and the cover art routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from segue import hookimpl
from segue.context import SegueContext
from segue_catalog_filesystem import cli as commands
from segue_catalog_filesystem.scanner import scan_in_progress, start_background_scan

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``segue scan`` and ``segue demo``."""
    commands.register(cli)


@hookimpl
def startup(context: SegueContext) -> None:
    """Scan in the background when the server starts (``[library] scan_on_startup``)."""
    if (
        context.role == "server"
        and context.config.library.scan_on_startup
        and context.library_roots
        and scan_in_progress(context) is None
    ):
        start_background_scan(context)


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    # Imported here: only the server needs Litestar's route machinery.
    from segue_catalog_filesystem.routes import CoverController, ScanController

    return [ScanController, CoverController]
