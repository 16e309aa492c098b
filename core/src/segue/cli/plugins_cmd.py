"""`segue plugins`: every installed plugin and its status."""

from __future__ import annotations

import sys

import click
import msgspec
from rich.console import Console
from rich.table import Table

from segue.cli.options import config_option
from segue.config.loader import load_config, read_raw_config
from segue.plugins.manager import load_plugins


def register(cli: click.Group) -> None:
    cli.add_command(plugins)


@click.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--all", "show_core", is_flag=True, help="Also list the core's built-in plugins.")
def plugins(config_path: str | None, as_json: bool, show_core: bool) -> None:
    """List installed plugins: version, distribution, hooks, backends and status."""
    raw = read_raw_config(config_path)
    loaded = load_plugins(raw, load_config(raw))
    records = [r for r in loaded.records.values() if show_core or not r.core]
    if as_json:
        click.echo(msgspec.json.encode(records).decode())
        return
    table = Table(title="Segue plugins", show_lines=False)
    for column in ("name", "version", "distribution", "status", "backends", "hooks"):
        table.add_column(column, overflow="fold")
    for r in records:
        status = r.status if r.status != "failed" else f"[red]failed: {r.reason}[/red]"
        table.add_row(
            r.name, r.version, r.distribution, status, ", ".join(r.backends), ", ".join(r.hooks)
        )
    interactive = sys.stdout.isatty()
    Console(width=None if interactive else 200).print(table)
    for problem in loaded.problems:
        click.echo(f"config problem: {problem}", err=True)
