"""Calling hooks one plugin at a time, so that one plugin's failure stays its own.

pluggy stops a hook call at the first exception; for notifications and
registrations Segue wants every other plugin to still be called, and the
failure reported with the name of the plugin that raised. pluggy is also
synchronous: this is the one place where coroutines returned by async
hookimpls are awaited.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pluggy
import structlog

log = structlog.get_logger("segue.plugins")


def _impls(
    pm: pluggy.PluginManager, hook_name: str, *, reverse: bool = False
) -> Iterator[pluggy.HookImpl]:
    caller: pluggy.HookCaller = getattr(pm.hook, hook_name)
    # pluggy calls the most recently registered implementation first;
    # ``reverse`` walks the other way (undoing what the normal order set up).
    impls = caller.get_hookimpls()
    for impl in impls if reverse else reversed(impls):
        if not (impl.wrapper or impl.hookwrapper):
            yield impl


def _call(impl: pluggy.HookImpl, kwargs: dict[str, Any]) -> Any:
    return impl.function(*[kwargs[name] for name in impl.argnames])


def collect(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a synchronous hook on each plugin; (plugin name, result) for those that answered.

    Exceptions are logged with the plugin name and that plugin is skipped.
    """
    results: list[tuple[str, Any]] = []
    for impl in _impls(pm, hook_name):
        try:
            result = _call(impl, kwargs)
        except Exception as exc:
            log.error(
                "plugin hook failed", plugin=impl.plugin_name, hook=hook_name, error=repr(exc)
            )
            continue
        if result is not None:
            results.append((impl.plugin_name, result))
    return results


def collect_or_raise(
    pm: pluggy.PluginManager, hook_name: str, **kwargs: Any
) -> list[tuple[str, Any]]:
    """Like :func:`collect`, but a failure raises, naming the plugin (used while loading)."""
    results: list[tuple[str, Any]] = []
    for impl in _impls(pm, hook_name):
        try:
            result = _call(impl, kwargs)
        except Exception as exc:
            raise HookFailed(impl.plugin_name, hook_name, exc) from exc
        if result is not None:
            results.append((impl.plugin_name, result))
    return results


async def notify(
    pm: pluggy.PluginManager, hook_name: str, *, reverse: bool = False, **kwargs: Any
) -> None:
    """Call a notification hook on every plugin, awaiting async implementations.

    ``reverse=True`` calls them in the opposite order (used for ``shutdown``,
    so that what started last stops first).
    """
    for impl in _impls(pm, hook_name, reverse=reverse):
        try:
            result = _call(impl, kwargs)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            log.error(
                "plugin hook failed", plugin=impl.plugin_name, hook=hook_name, error=repr(exc)
            )


class HookFailed(Exception):
    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        self.plugin, self.hook, self.error = plugin, hook, error
        super().__init__(
            f"plugin '{plugin}' failed in hook '{hook}': {type(error).__name__}: {error}"
        )
