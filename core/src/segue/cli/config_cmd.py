"""`segue config check FILE`: validate a config file without starting anything."""

from __future__ import annotations

import click

from segue.config.loader import load_config, read_raw_config
from segue.errors import ConfigError
from segue.plugins.manager import load_plugins


def register(cli: click.Group) -> None:
    cli.add_command(config)


@click.group()
def config() -> None:
    """Work with config files."""


@config.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
def check(file: str) -> None:
    """Validate FILE (and SEGUE_* variables): keys, types, plugins and backends."""
    raw = read_raw_config(file)
    loaded = load_plugins(raw, load_config(raw))
    if loaded.problems:
        raise ConfigError(loaded.problems)
    for record in loaded.failed():
        click.echo(
            f"warning: plugin '{record.name}' ({record.distribution}) failed: {record.reason}",
            err=True,
        )
    click.echo(f"{file}: OK")
