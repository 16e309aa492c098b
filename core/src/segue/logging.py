"""Structured logging for Segue processes (structlog, rendered for people or as JSON).

Both structlog loggers and standard-library loggers (uvicorn, Litestar,
third-party libraries) go through the same processors and renderer, to
stderr, so that stdout stays free for what a command prints on purpose.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from segue.config.schema import LoggingConfig

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def _drop_color_message(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    # uvicorn passes a pre-coloured copy of its message as an "extra"; the renderer colours.
    event.pop("color_message", None)
    return event


def configure_logging(config: LoggingConfig) -> None:
    """Route every log record to stderr through structlog, at ``config.level``.

    ``config.format`` picks the renderer: ``console`` (coloured when stderr
    is a terminal) or ``json`` (one object per line, for log collectors).
    """
    level = _LEVELS[config.level]
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
    ]
    renderer: Any
    if config.format == "json":
        shared.append(structlog.processors.dict_tracebacks)
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn configures nothing itself (log_config=None); let its records reach root.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
