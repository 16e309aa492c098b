"""Segue plugin: the OpenSubsonic REST API at ``/rest`` (see docs/subsonic.md)."""

from __future__ import annotations

from collections.abc import Sequence

import click
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.context import SegueContext
from segue_subsonic.cli import subsonic
from segue_subsonic.config import SubsonicConfig
from segue_subsonic.password_api import SubsonicPasswordController
from segue_subsonic.routes import subsonic_call

Config = SubsonicConfig


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [subsonic_call, SubsonicPasswordController]


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(subsonic)
