"""The Litestar app: the core's and the plugins' routes, auth, errors, OpenAPI, metrics.

Public routes (no credentials needed) are the handlers with
``opt={"public": True}``: ``GET /api/v1/health``, ``POST /api/v1/auth/login``
and the OpenAPI documents under ``/api/docs``. Everything else needs a token
or API key (see ``segue.auth.middleware``); ``/metrics`` needs an admin.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.problem_details import ProblemDetailsPlugin
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.stores.registry import StoreRegistry
from litestar.types import ControllerRouterHandler

from segue import __version__
from segue.api.problems import exception_handlers
from segue.auth.guards import admin_only
from segue.auth.middleware import PUBLIC_OPT_KEY, TokenAuthenticationMiddleware
from segue.context import SegueContext
from segue.plugins.manager import CORE_PLUGINS
from segue.runtime import running
from segue.shared_store import TolerantStore

log = structlog.get_logger("segue.app")

DOCS_PATH = "/api/docs"
ROUTE_HOOKS = ("register_routes", "register_websocket_handlers")
SHARED_STORE_ROOT = "segue_shared_store_root"
"""Name under which the shared root store is registered (so its lifespan closes its client)."""


class MetricsController(PrometheusController):
    """``GET /metrics`` in the Prometheus text format (admins only: scrape with an API key)."""

    path = "/metrics"
    guards = [admin_only]
    include_in_schema = False


def _openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Segue",
        version=__version__,
        description="Segue's HTTP API. Authenticate with `Authorization: Bearer <token>` "
        "(from `POST /api/v1/auth/login`) or an API key (`X-API-Key` header).",
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A login token or an API key.",
                ),
                "ApiKey": SecurityScheme(
                    type="apiKey", name="X-API-Key", security_scheme_in="header"
                ),
            }
        ),
        security=[{"BearerToken": []}, {"ApiKey": []}],
        openapi_router=Router(
            DOCS_PATH, route_handlers=[], include_in_schema=False, opt={PUBLIC_OPT_KEY: True}
        ),
        render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin()],
    )


def _store_registry(context: SegueContext) -> StoreRegistry:
    """Litestar's named stores (login rate-limit counters...): namespaces of the first
    shared store a plugin offers (``register_stores``), else one in-process memory store each."""
    offered = [(plugin, s) for plugin, stores in context.collect("register_stores") for s in stores]
    if not offered:
        return StoreRegistry()
    (plugin, root), *ignored = offered
    log.info("litestar stores are shared", plugin=plugin, store=type(root).__name__)
    for other, store in ignored:
        log.warning(
            "shared store ignored: another plugin's is used",
            plugin=other,
            store=type(store).__name__,
            used=plugin,
        )
    shared = TolerantStore(root)  # an outage of the store must not fail requests
    return StoreRegistry({SHARED_STORE_ROOT: shared}, default_factory=shared.with_namespace)


def _collect_handlers(context: SegueContext) -> tuple[list[Any], list[tuple[str, Any]]]:
    """(core handlers, [(plugin, handler)] of other plugins) from the route hooks."""
    core: list[Any] = []
    others: list[tuple[str, Any]] = []
    for hook in ROUTE_HOOKS:
        for plugin, handlers in context.collect(hook):
            for handler in handlers:
                if plugin in CORE_PLUGINS:
                    core.append(handler)
                else:
                    others.append((plugin, handler))
    return core, others


def _path_shape(path: str) -> str:
    """``/a/{id:str}`` -> ``/a/{}``: paths that differ only by parameter names clash."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _clashes(app: Litestar, handler: Any) -> list[str]:
    """The (method, path) pairs of ``handler`` that the app already serves."""
    taken = {_path_shape(p): set(m) for p, m in app.route_handler_method_map.items()}
    probe = Router(path="/", route_handlers=[handler])
    return [
        f"{method} {path}"
        for path, methods in probe.route_handler_method_map.items()
        for method in sorted(set(methods) & taken.get(_path_shape(path), set()))
    ]


def _register_isolated(app: Litestar, handlers: Iterable[tuple[str, Any]]) -> None:
    """Mount each plugin's handlers; one that clashes or that Litestar rejects is logged
    and skipped (checked first: Litestar may half-register a handler before refusing it)."""
    for plugin, handler in handlers:
        try:
            clashes = _clashes(app, handler)
            if clashes:
                log.error(
                    "plugin route not mounted: already served",
                    plugin=plugin,
                    routes=clashes,
                )
                continue
            app.register(handler)
        except Exception as exc:
            log.error(
                "plugin route could not be mounted",
                plugin=plugin,
                handler=repr(handler),
                error=f"{type(exc).__name__}: {exc}",
            )


def create_app(context: SegueContext, *, manage_lifecycle: bool = True) -> Litestar:
    """Build the Litestar app for a loaded (not yet running) ``context``.

    With ``manage_lifecycle`` (the default) the app's lifespan starts the slots
    and startup hooks and stops them on shutdown; ``segue serve`` passes False
    because it runs them around the HTTP server itself, to report start-up
    failures as plain messages.
    """

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        async with running(context):
            yield

    core_handlers, plugin_handlers = _collect_handlers(context)
    prometheus = PrometheusConfig(app_name="segue", prefix="segue", group_path=True)
    dependencies: dict[str, Any] = {"context": Provide(lambda: context, sync_to_thread=False)}
    route_handlers: list[ControllerRouterHandler] = [*core_handlers, MetricsController]
    app = Litestar(
        route_handlers=route_handlers,
        dependencies=dependencies,
        middleware=[
            prometheus.middleware,
            DefineMiddleware(TokenAuthenticationMiddleware, context=context),
        ],
        exception_handlers=exception_handlers(),
        plugins=[ProblemDetailsPlugin()],
        openapi_config=_openapi_config(),
        lifespan=[lifespan] if manage_lifecycle else [],
        state=State({"context": context}),
        stores=_store_registry(context),
        logging_config=None,
        debug=False,
    )
    _register_isolated(app, plugin_handlers)
    return app
