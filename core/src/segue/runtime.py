"""Build a running Segue from a config file: used by the app, the CLI and tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio

from segue.config.loader import RawConfig, load_config, read_raw_config
from segue.context import ProcessRole, SegueContext
from segue.errors import ConfigError
from segue.plugins.manager import PluginSet, load_plugins


def load(
    config_path: str | os.PathLike[str] | None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    extra_plugins: Iterable[tuple[str, object]] = (),
    role: ProcessRole = "cli",
) -> tuple[RawConfig, PluginSet, SegueContext]:
    """Read and validate the config, load plugins; raise ConfigError listing every problem.

    ``overrides`` maps dotted key paths (``server.port``) to values from the
    command line; they win over the file and the environment.
    """
    raw = read_raw_config(config_path, environ)
    for path, value in (overrides or {}).items():
        if value is None:
            continue
        *sections, key = path.split(".")
        node = raw.data
        for section in sections:
            node = node.setdefault(section, {})
        node[key] = value
        raw.origins[path] = f"command-line option for {path}"
    config = load_config(raw)
    plugins = load_plugins(raw, config, extra_plugins=extra_plugins)
    if plugins.problems:
        raise ConfigError(plugins.problems)
    return raw, plugins, SegueContext(config, raw, plugins, role=role)


@asynccontextmanager
async def running(context: SegueContext) -> AsyncIterator[SegueContext]:
    """Start the slots and the plugins' startup hooks; undo both on exit.

    An exception raised by the caller's block comes out as itself, not wrapped
    in the task group's ExceptionGroup, so commands can report it plainly.
    """
    await context.start_slots()
    try:
        async with anyio.create_task_group() as tg:
            context.attach_task_group(tg)
            await context.notify("startup")
            try:
                yield context
            finally:
                with anyio.CancelScope(shield=True):
                    # Reverse of start-up: the core's consumers (started last)
                    # stop before plugins close the stores their jobs use.
                    await context.notify("shutdown", reverse=True)
                tg.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        raise _sole_exception(group) from None
    finally:
        context.attach_task_group(None)
        await context.close_slots()


def _sole_exception(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one exception inside (nested) single-member groups, or the group itself."""
    inner: BaseException = group
    while isinstance(inner, BaseExceptionGroup) and len(inner.exceptions) == 1:
        inner = inner.exceptions[0]
    return inner


@asynccontextmanager
async def open_context(
    config_path: str | os.PathLike[str] | None,
    *,
    overrides: Mapping[str, Any] | None = None,
    extra_plugins: Iterable[tuple[str, object]] = (),
    role: ProcessRole = "cli",
) -> AsyncIterator[SegueContext]:
    """Load and run Segue for a command or a test (no HTTP server)."""
    _raw, _plugins, context = load(
        config_path, overrides=overrides, extra_plugins=extra_plugins, role=role
    )
    async with running(context):
        yield context
