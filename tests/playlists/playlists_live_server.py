"""A Segue with playlists and presence served by uvicorn, for the live-diff test.

WebSockets need a real server: the app runs under uvicorn on a free
loopback port inside the test's own event loop.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import uvicorn
from playlists_helpers import PLAYLIST_PLUGINS

import segue.api.ws
from segue.app import create_app
from segue.context import SegueContext
from segue.plugins.manager import CORE_PLUGINS
from segue.runtime import load

LIVE_PLUGINS = [
    *PLAYLIST_PLUGINS,
    *[(n, m) for n, m in [("segue.api.ws", segue.api.ws)] if n not in CORE_PLUGINS],
]


def live_config(data_dir: Path, library: Path) -> str:
    return (
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n\n'
        '[auth]\nadmin_user = "admin"\nadmin_password = "admin-password-for-tests"\n'
        "login_attempts_per_minute = 1000\n\n"
        '[events]\nbackend = "sqlite"\nrun_consumers_in_server = false\n\n'
        '[playlists]\nbackend = "sqlite"\n\n'
        '[presence]\nbackend = "memory"\n'
    )


@asynccontextmanager
async def serve(
    home: Path, scanned_data_dir: Path, library: Path
) -> AsyncIterator[tuple[SegueContext, str]]:
    """Start Segue on a copy of the scanned demo data; yield (context, base URL)."""
    data_dir = home / "data"
    await anyio.to_thread.run_sync(shutil.copytree, scanned_data_dir, data_dir)
    config_path = home / "segue.toml"
    config_path.write_text(live_config(data_dir, library), encoding="utf-8")
    _raw, _plugins, context = load(config_path, extra_plugins=LIVE_PLUGINS, role="server")
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(context),
            host="127.0.0.1",
            port=0,
            log_config=None,
            lifespan="on",
            ws="websockets-sansio",
        )
    )
    server.config.setup_event_loop = lambda: None  # type: ignore[method-assign]
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        with anyio.fail_after(20):
            while not server.started:
                if server.should_exit:
                    raise RuntimeError("the test server did not start")
                await anyio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield context, f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
