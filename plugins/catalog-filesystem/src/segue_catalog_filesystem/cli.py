"""`segue scan` and `segue demo`: scanning the library and writing a demo library."""

from __future__ import annotations

from pathlib import Path

import anyio
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from segue.cli.options import config_option
from segue.errors import ConfigError, SegueError
from segue.models import ScanProblem, ScanReport
from segue.runtime import open_context
from segue_catalog_filesystem.demo import write_demo_library
from segue_catalog_filesystem.scanner import ScanProgress, scan_library


class DemoFailed(SegueError):
    """The demo library could not be written (ffmpeg missing, folder not writable...)."""


def register(cli: click.Group) -> None:
    cli.add_command(scan)
    cli.add_command(demo)


@click.command()
@config_option
def scan(config_path: str | None) -> None:
    """Scan the library folders into the catalog, then print what changed."""
    report, problems = anyio.run(_scan, config_path)
    click.echo(
        f"Scanned {report.files_seen} files ({report.files_read} read): "
        f"{report.added} added, {report.changed} changed, {report.moved} moved, "
        f"{report.removed} removed, {report.problems} problems."
    )
    for problem in problems:
        where = f"{problem.root}/{problem.relpath}" if problem.relpath else problem.root
        click.echo(f"  problem: {where}: {problem.reason}")


async def _scan(config_path: str | None) -> tuple[ScanReport, list[ScanProblem]]:
    async with open_context(config_path) as context:
        if not context.library_roots:
            raise ConfigError(
                [
                    f"{context.config.source}: no library folders to scan: set "
                    '[library] paths = ["/path/to/music"] or SEGUE_LIBRARY__PATHS'
                ]
            )
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("walking", total=None)

            def show(progress: ScanProgress) -> None:
                bar.update(
                    task,
                    description=f"{progress.phase} ({progress.files_seen} files seen)",
                    completed=progress.files_read,
                    total=progress.files_to_read or None,
                )

            report = await scan_library(context, progress=show)
        return report, await context.catalog.list_problems()


@click.command()
@click.option(
    "--dir",
    "target",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the demo library into (created if missing; existing files are kept).",
)
@click.option(
    "--tracks",
    default=24,
    show_default=True,
    type=click.IntRange(min=1, max=500),
    help="How many audio files to write.",
)
def demo(target: Path, tracks: int) -> None:
    """Write a demo library of synthesized music with tags and covers."""
    try:
        summary = anyio.run(lambda: write_demo_library(target, tracks=tracks))
    except OSError as exc:
        raise DemoFailed(f"cannot write the demo library in {target}: {exc}") from None
    except RuntimeError as exc:  # FFmpegError: ffmpeg missing or failing
        raise DemoFailed(f"cannot write the demo library: {exc}") from None
    formats = ", ".join(f"{count} {fmt}" for fmt, count in sorted(summary.formats.items()))
    click.echo(
        f"Demo library in {summary.root}: {summary.tracks} tracks ({formats}), "
        f"{summary.albums} albums, {len(summary.artists)} artists; "
        f"{summary.written} files written now."
    )
    click.echo(f'Serve it with: segue serve --library "{summary.root}"')
