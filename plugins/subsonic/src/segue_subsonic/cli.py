"""``segue subsonic set-password USER``: set a user's Subsonic password from the command line."""

from __future__ import annotations

import sys

import anyio
import click

from segue.cli.options import config_option
from segue.errors import SegueError
from segue.runtime import open_context
from segue_subsonic.config import SubsonicConfig
from segue_subsonic.sealing import check_new_password, set_password

PLUGIN_NAME = "subsonic"


@click.group()
def subsonic() -> None:
    """The Subsonic API (/rest): users' Subsonic passwords."""


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = click.prompt("Subsonic password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    return password


@subsonic.command("set-password")
@click.argument("name")
@click.option("--remove", is_flag=True, help="Remove the password instead (token auth stops).")
@config_option
def set_password_command(name: str, remove: bool, config_path: str | None) -> None:
    """Set USER's Subsonic password (read from stdin; prompted on a terminal)."""
    password = None if remove else _read_password()
    try:
        if password is not None:
            check_new_password(password)
        anyio.run(_store, config_path, name, password)
    except SegueError as exc:
        raise click.ClickException(str(exc)) from None
    done = "removed" if password is None else "set"
    click.echo(f"Subsonic password of '{name}' {done}.")


async def _store(config_path: str | None, name: str, password: str | None) -> None:
    async with open_context(config_path) as context:
        user = await context.catalog.get_user_by_name(name)
        if user is None:
            raise click.ClickException(f"no user named '{name}': list them with `segue user list`")
        config = context.plugin_config(PLUGIN_NAME, SubsonicConfig)
        await set_password(context, config, user.id, password)
