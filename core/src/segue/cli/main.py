"""The `segue` command line: core commands plus those plugins register."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from segue import __version__
from segue.cli import config_cmd, plugins_cmd, serve, users, worker
from segue.config.loader import load_config, read_raw_config
from segue.errors import ConfigError, SegueError
from segue.plugins import calls
from segue.plugins.manager import load_plugins


class SegueGroup(click.Group):
    """Turns Segue's errors into messages and exit codes, never tracebacks."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo("segue: configuration problems:", err=True)
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            ctx.exit(2)
        except SegueError as exc:
            click.echo(f"segue: {exc}", err=True)
            ctx.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("SEGUE_DEBUG"):
                raise
            click.echo(
                f"segue: unexpected error: {type(exc).__name__}: {exc}\n"
                "(set SEGUE_DEBUG=1 to see the traceback, and please report it)",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=SegueGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="segue")
def cli() -> None:
    """Segue: your own music streaming server."""


def _config_path_from(argv: Sequence[str]) -> str | None:
    """Peek at --config before click parses, so plugin commands can be registered."""
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return os.environ.get("SEGUE_CONFIG")


def build_cli(argv: Sequence[str]) -> click.Group:
    group = cli
    for module in (serve, worker, plugins_cmd, config_cmd, users):
        module.register(group)
    try:
        raw = read_raw_config(_config_path_from(argv))
        plugins = load_plugins(raw, load_config(raw))
    except ConfigError:
        return group  # the command itself will report the problems
    calls.collect(plugins.pm, "register_commands", cli=group)
    return group


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    build_cli(args).main(args=args, prog_name="segue")
