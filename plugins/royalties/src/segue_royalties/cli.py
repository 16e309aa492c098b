"""`segue royalties report|flagged`: payouts and fraud reports from the command line."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import click
import msgspec

from segue.cli.options import config_option
from segue.errors import SegueError
from segue.runtime import open_context

from .payouts import PayoutReport
from .service import parse_period, payout_report, store_for
from .store import FlaggedReport

T = TypeVar("T")


def register(cli: click.Group) -> None:
    cli.add_command(royalties)


@click.group()
def royalties() -> None:
    """Royalty stream counts and payouts."""


@royalties.command("report")
@click.option("--from", "start", required=True, help="First day (UTC), YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day (UTC) included, YYYY-MM-DD.")
@click.option("--pool", required=True, help="Revenue to split, e.g. 10000.00.")
@click.option("--currency", default=None, help="ISO 4217 code (default: [plugins.royalties]).")
@click.option(
    "--min-streams", type=click.IntRange(min=0), default=0, help="Holders below get nothing."
)
@click.option(
    "--by",
    type=click.Choice(["artist", "label"]),
    default=None,
    help="Rights holder (default: [plugins.royalties] holder).",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@config_option
def report(
    start: str,
    end: str,
    pool: str,
    currency: str | None,
    min_streams: int,
    by: str | None,
    fmt: str,
    config_path: str | None,
) -> None:
    """Split --pool pro rata over the streams counted from --from to --to."""

    async def main() -> PayoutReport:
        async with open_context(config_path) as context:
            return await payout_report(
                context,
                start=start,
                end=end,
                pool=pool,
                currency=currency,
                min_streams=min_streams,
                by="label" if by == "label" else "artist" if by == "artist" else None,
            )

    result = _run(main)
    if fmt == "json":
        click.echo(msgspec.json.encode(result).decode())
        return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["holder", "streams", "amount", "currency"])
    for row in result.rows:
        writer.writerow([row.holder, row.streams, row.amount, result.currency])
    click.echo(out.getvalue(), nl=False)


@royalties.command("flagged")
@click.option("--from", "start", required=True, help="First day (UTC), YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day (UTC) included, YYYY-MM-DD.")
@click.option("--limit", type=click.IntRange(min=1), default=100)
@config_option
def flagged(start: str, end: str, limit: int, config_path: str | None) -> None:
    """Plays the fraud filters flagged (JSON): a summary per rule and the latest plays."""

    async def main() -> FlaggedReport:
        async with open_context(config_path) as context:
            first, last = parse_period(start, end)
            return await (await store_for(context)).flagged(first, last, limit)

    click.echo(msgspec.json.encode(_run(main)).decode())


def _run(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main``; a Segue error (bad date, bad pool...) is printed, not a traceback."""
    try:
        return anyio.run(main)
    except SegueError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
