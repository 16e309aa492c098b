"""`segue serve`: run the HTTP server (uvicorn) for a configuration."""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Iterator
from types import FrameType

import anyio
import click
import structlog
import uvicorn

from segue.app import create_app
from segue.cli.options import config_option
from segue.collector import SurvivorFreezer
from segue.context import SegueContext
from segue.errors import SegueError
from segue.logging import configure_logging
from segue.runtime import load, running

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
log = structlog.get_logger("segue.serve")


def register(cli: click.Group) -> None:
    cli.add_command(serve)


class _Server(uvicorn.Server):
    """uvicorn's server, but a stop signal ends it cleanly (exit 0) instead of being
    re-raised, and ``startup_done`` is set once it listens (or gave up)."""

    startup_done: anyio.Event | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            if self.startup_done is not None:
                self.startup_done.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        def stop(_sig: int, _frame: FrameType | None) -> None:
            self.should_exit = True

        previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def warn_about_local_search(context: SegueContext) -> None:
    """The embedded index follows the library through ``search.index`` events, which
    only consumers see: a server that runs none keeps a stale index of its own."""
    if context.backend_name("search") == "embedded" and not (
        context.config.events.run_consumers_in_server
    ):
        log.warning(
            "search results of this server will not follow library changes: the embedded "
            "index is updated by event consumers, and [events] run_consumers_in_server is "
            'false; with several servers set [search] backend = "meilisearch" or '
            '"typesense" (see docs/scaling.md)'
        )


def _bound_port(server: uvicorn.Server, default: int) -> int:
    """The port actually listened on (differs from the config when it is 0)."""
    for listener in getattr(server, "servers", []):
        for sock in listener.sockets:
            return int(sock.getsockname()[1])
    return default


@click.command()
@config_option
@click.option(
    "--library",
    "libraries",
    multiple=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Music folder (repeat for several); replaces [library] paths.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Where Segue keeps its data; replaces [server] data_dir.",
)
@click.option("--host", default=None, help="Address to listen on; replaces [server] host.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="TCP port; replaces [server] port (0 picks a free one).",
)
def serve(
    config_path: str | None,
    libraries: tuple[str, ...],
    data_dir: str | None,
    host: str | None,
    port: int | None,
) -> None:
    """Run the Segue server."""
    overrides = {
        "library.paths": list(libraries) or None,
        "server.data_dir": data_dir,
        "server.host": host,
        "server.port": port,
    }
    _raw, _plugins, context = load(config_path, overrides=overrides, role="server")
    configure_logging(context.config.logging)
    warn_about_local_search(context)
    settings = context.config.server
    app = create_app(context, manage_lifecycle=False)
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            lifespan="on",
            access_log=context.config.logging.level == "debug",
            # Live messages are small JSON: deflating each one cost about 15% of
            # the push path's CPU for a few bytes saved.
            ws_per_message_deflate=False,
            forwarded_allow_ips=settings.forwarded_allow_ips or None,
        )
    )

    async def main() -> None:
        exit_code: object = 0
        freezer = SurvivorFreezer()
        try:
            async with running(context), anyio.create_task_group() as tg:

                async def run_server() -> None:
                    nonlocal exit_code
                    try:
                        await server.serve()
                    except SystemExit as exc:  # uvicorn exits when it cannot bind or start
                        exit_code = exc.code
                    finally:
                        assert server.startup_done is not None
                        server.startup_done.set()

                server.startup_done = anyio.Event()
                tg.start_soon(run_server)
                await server.startup_done.wait()
                if server.started:
                    freezer.install()
                    url_host = f"[{settings.host}]" if ":" in settings.host else settings.host
                    click.echo(
                        f"Segue is serving at http://{url_host}:{_bound_port(server, settings.port)}/"
                    )
        finally:
            freezer.uninstall()
        if exit_code not in (0, None):
            raise SegueError(
                f"the HTTP server could not start on {settings.host}:{settings.port} "
                "(the reason is in the log above)"
            )

    anyio.run(main)
