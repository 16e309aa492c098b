"""Placeholder: filled in by the foundation work."""

import click


def register(cli: click.Group) -> None:
    pass
