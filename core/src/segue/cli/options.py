"""Options every command shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=str),
    envvar="SEGUE_CONFIG",
    default=None,
    help="TOML config file (also SEGUE_CONFIG). Without it, built-in defaults and SEGUE_* variables.",
)
