"""Segue plugin: royalty stream counting under the industry rules, and pro-rata payouts.

A consumer of the ``playback`` topic (group ``royalties.count``) judges every
raw playback event (see :mod:`segue_royalties.counting`) and records it with
its verdict; payouts split a revenue pool over the counted streams (see
:mod:`segue_royalties.payouts`), from ``segue royalties report`` or the
admin API ``GET /api/v1/admin/royalties``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

import segue
from segue.events.builtin_jobs import PLAYBACK_TOPIC
from segue.events.handlers import JobHandler

from . import cli as commands
from .api import RoyaltiesController
from .config import Config
from .service import close_store, config_of, handle_batch, handle_one

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from segue.context import SegueContext

__all__ = ["COUNT_GROUP", "Config"]

COUNT_GROUP = "royalties.count"


@segue.hookimpl
def register_jobs(context: SegueContext) -> Sequence[JobHandler]:
    return [
        JobHandler(
            topic=PLAYBACK_TOPIC,
            group=COUNT_GROUP,
            handle=handle_one,
            handle_batch=handle_batch,
            batch_size=config_of(context).batch_size,
            claim_timeout=config_of(context).claim_timeout,
            concurrency=config_of(context).concurrency,
        )
    ]


@segue.hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [RoyaltiesController]


@segue.hookimpl
def register_commands(cli: click.Group) -> None:
    commands.register(cli)


# trylast: after the core's shutdown has drained the consumers that write to the store.
@segue.hookimpl(trylast=True)
async def shutdown(context: SegueContext) -> None:
    await close_store(context)
