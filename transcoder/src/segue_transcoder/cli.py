"""``segue transcode``: encode the ladder and measure loudness for the library.

Runs the jobs in this process (``queue_concurrency`` at a time) and prints a
line per track, or with ``--queue`` hands them to ``segue worker`` processes
through the events slot.
"""

from __future__ import annotations

import time
from collections import Counter

import anyio
import click

from segue.cli.options import config_option
from segue.errors import SegueError
from segue.models import ListQuery, Track
from segue.runtime import open_context
from segue_transcoder.jobs import publish_jobs
from segue_transcoder.service import Transcoder, transcoder_of

PAGE = 500


def register(cli: click.Group) -> None:
    cli.add_command(transcode)


@click.command()
@config_option
@click.option(
    "--missing",
    is_flag=True,
    help="Only tracks lacking a rendition or a loudness measurement (skip the rest quickly).",
)
@click.option(
    "--queue",
    is_flag=True,
    help="Queue the jobs for `segue worker` processes instead of running them here.",
)
@click.option("--track", "track_ids", multiple=True, help="Only this track id (repeatable).")
def transcode(
    config_path: str | None, missing: bool, queue: bool, track_ids: tuple[str, ...]
) -> None:
    """Encode every track to the whole ladder and measure its loudness.

    Without --missing, everything is encoded and measured again (failed
    sources included). Renditions are written to temporary files and
    renamed when complete: an interrupted run leaves nothing half-written,
    and running it again finishes the work.
    """
    try:
        anyio.run(_transcode, config_path, missing, queue, track_ids)
    except SegueError as exc:
        raise click.ClickException(str(exc)) from None


async def _tracks(service: Transcoder, track_ids: tuple[str, ...]) -> list[Track]:
    catalog = service.context.catalog
    if track_ids:
        found = [await catalog.get_track(t) for t in track_ids]
        unknown = [t for t, track in zip(track_ids, found, strict=True) if track is None]
        if unknown:
            raise SegueError(f"no track with id {', '.join(map(repr, unknown))}")
        return [t for t in found if t is not None and not t.missing]
    tracks: list[Track] = []
    while True:
        page = await catalog.list_tracks(ListQuery(offset=len(tracks), limit=PAGE, sort="added"))
        tracks += page.items
        if len(page.items) < PAGE:
            return [t for t in tracks if not t.missing]


async def _transcode(
    config_path: str | None, missing: bool, queue: bool, track_ids: tuple[str, ...]
) -> None:
    async with open_context(config_path) as context:
        service = transcoder_of(context)
        tracks = await _tracks(service, track_ids)
        if queue:
            count = await publish_jobs(context, tracks, encode=True)
            click.echo(f"Queued {count} transcode jobs for `segue worker` (topic transcode).")
            return
        click.echo(
            f"Transcoding {len(tracks)} tracks to {len(service.ladder)} renditions "
            f"({', '.join(s.name for s in service.ladder)})"
        )
        outcomes: Counter[str] = Counter()
        started = time.monotonic()
        limit = anyio.Semaphore(max(1, service.config.queue_concurrency))
        done = 0

        async def one(track: Track) -> None:
            nonlocal done
            async with limit:
                result = await service.process(track, encode_ladder=True, force=not missing)
            done += 1
            outcomes[result.outcome] += 1
            detail = f": {result.detail}" if result.detail else ""
            if result.outcome != "up_to_date":
                click.echo(f"[{done}/{len(tracks)}] {track.id} {result.outcome}{detail}")

        async with anyio.create_task_group() as tg:
            for track in tracks:
                tg.start_soon(one, track)
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        click.echo(f"Done in {time.monotonic() - started:.1f} s: {summary or 'nothing to do'}.")
