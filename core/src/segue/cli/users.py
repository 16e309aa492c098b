"""`segue user add|passwd|list`: manage accounts from the command line."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import click

from segue.auth.accounts import change_password, check_user_name, create_user
from segue.auth.passwords import check_password_policy
from segue.cli.options import config_option
from segue.context import SegueContext
from segue.errors import InvalidInput
from segue.runtime import open_context

T = TypeVar("T")


def register(cli: click.Group) -> None:
    cli.add_command(user)


@click.group()
def user() -> None:
    """Manage user accounts."""


def run_with_context(config_path: str | None, work: Callable[[SegueContext], Awaitable[T]]) -> T:
    """Run ``work`` with a started Segue (not serving HTTP)."""

    async def main() -> T:
        async with open_context(config_path) as context:
            return await work(context)

    return anyio.run(main)


def read_password() -> str:
    """Prompt twice on a terminal; otherwise read one line from stdin (for scripts)."""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        line = sys.stdin.readline()
        if not line:
            raise InvalidInput(
                "no password given: pipe it on stdin, e.g. `echo ... | segue user add NAME`"
            )
        password = line.rstrip("\r\n")
    check_password_policy(password)
    return password


@user.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@config_option
def add(name: str, admin: bool, config_path: str | None) -> None:
    """Create user NAME; the password is read from stdin (prompted on a terminal)."""
    check_user_name(name)
    password = read_password()

    created = run_with_context(
        config_path, lambda context: create_user(context, name, password, is_admin=admin)
    )
    role = "administrator" if created.is_admin else "user"
    click.echo(f"Created {role} '{created.name}'.")


@user.command("passwd")
@click.argument("name")
@config_option
def passwd(name: str, config_path: str | None) -> None:
    """Set a new password for NAME (read like for `add`); ends NAME's login sessions."""
    password = read_password()

    changed = run_with_context(
        config_path, lambda context: change_password(context, name, password)
    )
    click.echo(f"Password of '{changed.name}' changed; their login sessions were ended.")


@user.command("list")
@config_option
def list_users(config_path: str | None) -> None:
    """List every user."""
    users = run_with_context(config_path, lambda context: context.catalog.list_users())
    if not users:
        click.echo("No users yet (`segue serve` creates the first admin).")
    for u in users:
        created = time.strftime("%Y-%m-%d", time.localtime(u.created_at))
        click.echo(f"{u.name}\t{'admin' if u.is_admin else 'user'}\tcreated {created}")
