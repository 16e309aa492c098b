"""``segue search reindex``: rebuild the search index from the catalog, with a progress bar."""

from __future__ import annotations

import anyio
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from segue.cli.options import config_option
from segue.runtime import open_context
from segue.search.indexer import rebuild
from segue.search.service import guarded


def register(cli: click.Group) -> None:
    cli.add_command(search_group)


@click.group(name="search")
def search_group() -> None:
    """Manage the search index."""


@search_group.command()
@config_option
def reindex(config_path: str | None) -> None:
    """Rebuild the search index from the catalog (searches keep working meanwhile)."""
    backend, count = anyio.run(_reindex, config_path)
    click.echo(f"Search index rebuilt ({backend}): {count} documents.")


async def _reindex(config_path: str | None) -> tuple[str, int]:
    async with open_context(config_path) as context:
        with Progress(
            TextColumn("[bold]indexing {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("tracks", total=None)

            def show(phase: str, done: int, total: int) -> None:
                bar.update(task, description=phase, completed=done, total=total)

            count = await guarded(context, rebuild(context, show))
        return context.backend_name("search"), count
