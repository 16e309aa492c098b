"""``segue playlists migrate --to mongodb``: copy playlists, libraries, histories and queues
from one playlists backend to another (by default from the SQLite one).

Safe to run again: playlists already present in the target (same id) are
skipped, saved items and history entries are stored once, and a queue is
copied only if the target has none for that user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar, cast

import anyio
import click
import msgspec

from segue.cli.options import config_option
from segue.errors import SegueError
from segue.models import Page
from segue.playlists.models import HistoryEntry, SavedItem, SavedKind
from segue.runtime import open_context
from segue.slots.playlists import PlaylistsBackend

PAGE = 500
T = TypeVar("T")
KINDS: tuple[SavedKind, ...] = ("track", "album", "artist")


class MigrationReport(msgspec.Struct, kw_only=True):
    """What one migration copied."""

    playlists: int = 0
    skipped_playlists: int = 0
    entries: int = 0
    saved_items: int = 0
    history_entries: int = 0
    queues: int = 0


@click.group(name="playlists")
def playlists_group() -> None:
    """Manage the playlists slot (playlists, library, history, queues)."""


@playlists_group.command()
@config_option
@click.option(
    "--to",
    "target",
    required=True,
    help='The playlists backend to copy into, e.g. "mongodb" (configured in [plugins.*]).',
)
@click.option(
    "--from",
    "source",
    default="sqlite",
    show_default=True,
    help="The playlists backend to copy from.",
)
def migrate(config_path: str | None, target: str, source: str) -> None:
    """Copy every playlist (and libraries, histories, queues) into another backend.

    Then set [playlists] backend to the target's name and restart Segue.
    """
    try:
        report = anyio.run(run_migration, config_path, source, target)
    except SegueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Copied {report.playlists} playlists ({report.entries} entries; "
        f"{report.skipped_playlists} already there), {report.saved_items} saved items, "
        f"{report.history_entries} history entries and {report.queues} queues "
        f"from {source} to {target}."
    )


async def run_migration(config_path: str | None, source: str, target: str) -> MigrationReport:
    """Copy from backend ``source`` to ``target`` as configured in ``config_path``."""
    if source == target:
        raise SegueError(f"--from and --to are both {source!r}: name two different backends")
    # The configured playlists backend is not started: both ends are built here.
    async with open_context(config_path, overrides={"playlists.backend": "none"}) as context:
        specs = context.plugins.backends.get("playlists", {})
        for name in (source, target):
            if name not in specs:
                known = ", ".join(sorted(specs)) or "none installed"
                raise SegueError(f"no playlists backend named {name!r} (known: {known})")
        ends: list[PlaylistsBackend] = []
        try:
            for name in (source, target):
                backend = cast(PlaylistsBackend, specs[name].factory(context))
                ends.append(backend)
                await backend.start()
            users = [u.id for u in await context.catalog.list_users()]
            return await copy_all(ends[0], ends[1], users)
        finally:
            for backend in ends:
                await backend.close()


async def copy_all(
    source: PlaylistsBackend, target: PlaylistsBackend, user_ids: list[str]
) -> MigrationReport:
    """Copy everything from ``source`` to ``target`` for these users."""
    report = MigrationReport()
    async for export in source.export_playlists():
        if await target.import_playlist(export):
            report.playlists += 1
            report.entries += len(export.entries)
        else:
            report.skipped_playlists += 1
    for user_id in user_ids:
        for kind in KINDS:
            saved: list[SavedItem] = await _all_pages(
                partial(source.list_saved, user_id, kind, limit=PAGE)
            )
            # Oldest first, so that the target's "saved" dates keep the order.
            for item in reversed(saved):
                await target.save_items(user_id, kind, [item.item_id])
            report.saved_items += len(saved)
        history: list[HistoryEntry] = await _all_pages(
            partial(source.list_history, user_id, limit=PAGE)
        )
        await target.add_history(user_id, history)
        report.history_entries += len(history)
        queue = await source.get_queue(user_id)
        if queue.version > 0 and (await target.get_queue(user_id)).version == 0:
            await target.put_queue(user_id, queue)
            report.queues += 1
    return report


async def _all_pages(read: Callable[..., Awaitable[Page[T]]]) -> list[T]:
    items: list[T] = []
    while True:
        page = await read(offset=len(items))
        items.extend(page.items)
        if not page.items or len(items) >= page.total:
            return items
