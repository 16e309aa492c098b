"""`segue worker`: run the background consumers of the events slot, without HTTP.

Run one or more next to `segue serve` (with ``[events]
run_consumers_in_server = false``) to take background work off the web
process. Stops cleanly on SIGINT or SIGTERM: no new events are claimed,
those in hand are finished and acknowledged.
"""

from __future__ import annotations

import signal

import anyio
import click
import structlog

from segue.cli.options import config_option
from segue.logging import configure_logging
from segue.runtime import load, running

log = structlog.get_logger("segue.worker")


def register(cli: click.Group) -> None:
    cli.add_command(worker)


@click.command()
@config_option
def worker(config_path: str | None) -> None:
    """Consume events and run background jobs until stopped (Ctrl-C or SIGTERM)."""
    anyio.run(run_worker, config_path)


async def run_worker(config_path: str | None) -> None:
    """Start Segue in the worker role and run until SIGINT or SIGTERM."""
    _raw, _plugins, context = load(config_path, role="worker")
    configure_logging(context.config.logging)
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with running(context):
            log.info("worker started", events=context.backend_name("events"))
            async for received in signals:
                log.info("worker stopping", signal=signal.Signals(received).name)
                break
    log.info("worker stopped")
