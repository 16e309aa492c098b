"""`segue fingerprint` and `segue duplicates`: fingerprint the library, list and settle duplicates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import click
import msgspec
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from segue.cli.options import config_option
from segue.context import SegueContext
from segue.logging import configure_logging
from segue.models import ListQuery, Track
from segue.runtime import load, running
from segue_fingerprint_chromaprint.service import (
    DuplicateGroup,
    Outcome,
    RunSummary,
    open_fingerprinter,
)

PAGE = 500


@asynccontextmanager
async def open_segue(config_path: str | None) -> AsyncIterator[SegueContext]:
    """Run Segue for a command, logging to stderr so that stdout stays clean (``--json``)."""
    _raw, _plugins, context = load(config_path)
    configure_logging(context.config.logging)
    async with running(context):
        yield context


def register(cli: click.Group) -> None:
    cli.add_command(fingerprint)
    cli.add_command(duplicates)


@click.command()
@config_option
@click.option(
    "--missing",
    is_flag=True,
    help="Only tracks without a fingerprint (or whose file changed since); "
    "without it every track is fingerprinted again.",
)
def fingerprint(config_path: str | None, missing: bool) -> None:
    """Fingerprint the library's tracks with fpcalc, then detect duplicates."""
    summary, groups = anyio.run(_fingerprint, config_path, missing)
    click.echo(
        f"Fingerprinted {summary.fingerprinted} tracks ({summary.failed} failed) in "
        f"{summary.seconds:.1f} s: {summary.tracks_per_second:.1f} tracks/s, "
        f"{summary.audio_seconds_per_second:.0f} audio-seconds/s."
    )
    click.echo(f"Duplicate groups: {groups}.")


async def all_tracks(context: SegueContext) -> list[Track]:
    """Every track of the catalog, page by page."""
    tracks: list[Track] = []
    while True:
        page = await context.catalog.list_tracks(ListQuery(offset=len(tracks), limit=PAGE))
        tracks.extend(page.items)
        if not page.items or len(tracks) >= page.total:
            return tracks


async def _fingerprint(config_path: str | None, missing: bool) -> tuple[RunSummary, int]:
    async with open_segue(config_path) as context:
        fingerprinter = await open_fingerprinter(context)
        tracks = [track for track in await all_tracks(context) if not track.missing]
        if missing:
            tracks = await fingerprinter.stale(tracks)
        with Progress(
            TextColumn("[bold]fingerprinting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("tracks", total=len(tracks), rate="")
            clock = anyio.current_time()

            def show(outcome: Outcome) -> None:
                elapsed = anyio.current_time() - clock
                done = bar.tasks[task].completed + 1
                rate = f"{done / elapsed:.1f} tracks/s" if elapsed > 0 else ""
                bar.update(task, advance=1, rate=rate)

            summary = await fingerprinter.fingerprint_tracks(tracks, show)
        groups = await fingerprinter.detect()
        return summary, len(groups)


@click.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the groups as JSON.")
@click.option(
    "--prefer",
    "prefer",
    metavar="TRACK_ID",
    default=None,
    help="Make this track the preferred file of its duplicate group.",
)
@click.option(
    "--no-detect",
    is_flag=True,
    help="List the groups of the last detection instead of comparing fingerprints now.",
)
def duplicates(config_path: str | None, as_json: bool, prefer: str | None, no_detect: bool) -> None:
    """List files that hold the same recording (found by fingerprint, not by tags)."""
    groups = anyio.run(_duplicates, config_path, prefer, no_detect)
    if as_json:
        click.echo(msgspec.json.encode(groups).decode())
        return
    if not groups:
        click.echo("No duplicates found.")
        return
    for group in groups:
        click.echo(f"Recording {group.recording_id} (similarity {group.similarity:.3f}):")
        for member in group.members:
            mark = "*" if member.track_id == group.preferred_track_id else " "
            click.echo(
                f"  {mark} {member.path}  [{member.codec}"
                f"{f' {member.bitrate // 1000} kbps' if member.bitrate else ''}]"
                f"  track {member.track_id}"
            )
    click.echo(f"{len(groups)} groups; * marks the preferred file.")


async def _duplicates(
    config_path: str | None, prefer: str | None, no_detect: bool
) -> list[DuplicateGroup]:
    async with open_segue(config_path) as context:
        fingerprinter = await open_fingerprinter(context)
        groups = await (fingerprinter.duplicate_groups() if no_detect else fingerprinter.detect())
        if prefer is not None:
            await fingerprinter.prefer_track(prefer)
            groups = await fingerprinter.duplicate_groups()
        return groups
