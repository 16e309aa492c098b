"""``segue catalog migrate --to mongodb``: copy the catalog + users from one catalog backend
to another (by default from the SQLite one).

Copied: tracks (ids, play counts, dates), users with their password hashes,
session tokens and API keys, friends, pending requests, blocks, privacy
settings, plugins' per-user secrets and the scan state. Albums and artists
are recomputed from the tracks. Safe to run again: records already in the
target (same id) are left as they are.
"""

from __future__ import annotations

from typing import cast

import anyio
import click

from segue.catalog.transfer import ImportCounts
from segue.cli.options import config_option
from segue.errors import SegueError
from segue.runtime import open_context
from segue.slots.catalog import CatalogBackend, CatalogTransfer


@click.group(name="catalog")
def catalog_group() -> None:
    """Manage the catalog + users slot."""


@catalog_group.command()
@config_option
@click.option(
    "--to",
    "target",
    required=True,
    help='The catalog backend to copy into, e.g. "mongodb" (configured in [plugins.*]).',
)
@click.option(
    "--from",
    "source",
    default="sqlite",
    show_default=True,
    help="The catalog backend to copy from.",
)
def migrate(config_path: str | None, target: str, source: str) -> None:
    """Copy tracks, play counts, users, tokens, friends and secrets into another backend.

    Then set [catalog] backend to the target's name and restart Segue.
    """
    try:
        counts, seen = anyio.run(run_migration, config_path, source, target)
    except SegueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Copied from {source} to {target}: {counts.users} users, {counts.tracks} tracks, "
        f"{counts.credentials} credentials, {counts.friendships // 2} friendships, "
        f"{counts.friend_requests} friend requests, {counts.blocks} blocks, "
        f"{counts.privacy} privacy settings, {counts.secrets} secrets, "
        f"{counts.problems} scan problems ({seen.users + seen.tracks - counts.users - counts.tracks} "
        "users and tracks were there already)."
    )


async def run_migration(
    config_path: str | None, source: str, target: str
) -> tuple[ImportCounts, ImportCounts]:
    """Copy backend ``source`` into ``target`` as configured; return (stored, exported) counts."""
    if source == target:
        raise SegueError(f"--from and --to are both {source!r}: name two different backends")
    # The source is the running catalog; no other slot is needed for the copy.
    overrides = {
        "catalog.backend": source,
        "playlists.backend": "none",
        "search.backend": "none",
        "presence.backend": "none",
    }
    async with open_context(config_path, overrides=overrides) as context:
        specs = context.plugins.backends.get("catalog", {})
        if target not in specs:
            known = ", ".join(sorted(specs)) or "none installed"
            raise SegueError(f"no catalog backend named {target!r} (known: {known})")
        target_backend = cast(CatalogBackend, specs[target].factory(context))
        try:
            await target_backend.start()
            return await copy_catalog(context.catalog, target_backend, source, target)
        finally:
            await target_backend.close()


async def copy_catalog(
    source: CatalogBackend, target: CatalogBackend, source_name: str, target_name: str
) -> tuple[ImportCounts, ImportCounts]:
    """Stream every chunk of ``source`` into ``target``."""
    for name, backend in ((source_name, source), (target_name, target)):
        if not isinstance(backend, CatalogTransfer):
            raise SegueError(
                f"the {name!r} catalog backend cannot export or import a catalog; "
                "migrate between the sqlite and mongodb backends"
            )
    assert isinstance(source, CatalogTransfer) and isinstance(target, CatalogTransfer)
    stored, seen = ImportCounts(), ImportCounts()
    async for chunk in source.export_catalog():
        seen.users += len(chunk.users)
        seen.tracks += len(chunk.tracks)
        stored.add(await target.import_catalog(chunk))
    return stored, seen
