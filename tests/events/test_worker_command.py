"""`segue worker` as a real process: it consumes what was published before it started."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import cast

import anyio
import pytest
from anyio.abc import ByteReceiveStream

from segue.events.publish import publish_playback
from segue.models import PlaybackEvent
from segue.runtime import load, open_context
from segue.slots.events import EventsBackend

pytestmark = pytest.mark.anyio

SEGUE = str(Path(sys.executable).with_name("segue"))


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "segue.toml"
    config.write_text(
        f'[server]\ndata_dir = "{tmp_path / "data"}"\n\n'
        "[plugins.events-sqlite]\npoll_interval = 0.1\n",
        encoding="utf-8",
    )
    return config


async def playback_lag(config: Path) -> int:
    """The playback hooks group's lag, read through a fresh handle on the worker's store."""
    _raw, plugins, context = load(config)
    events = cast(EventsBackend, plugins.backends["events"]["sqlite"].factory(context))
    await events.start()
    try:
        return await events.lag("playback", "core.playback-hooks")
    finally:
        await events.close()


async def test_worker_consumes_earlier_events_and_stops_on_sigterm(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    event = PlaybackEvent(
        id="before-the-worker",
        user_id="u",
        track_id="t",
        duration_listened_ms=1000,
        completed=False,
        device_id="d",
        session_id="s",
        reported_at=time.time(),
    )
    async with open_context(config) as context:  # role "cli": consumes nothing
        await publish_playback(context, event)
    assert await playback_lag(config) == 1

    stdout_chunks: list[bytes] = []
    stderr_chunks: list[bytes] = []

    async def collect(stream: ByteReceiveStream, into: list[bytes]) -> None:
        async for chunk in stream:
            into.append(chunk)

    async with (
        await anyio.open_process([SEGUE, "worker", "--config", str(config)]) as process,
        anyio.create_task_group() as tg,
    ):
        assert process.stderr is not None and process.stdout is not None
        tg.start_soon(collect, process.stdout, stdout_chunks)
        tg.start_soon(collect, process.stderr, stderr_chunks)
        try:
            with anyio.fail_after(30):
                while await playback_lag(config) != 0:
                    assert process.returncode is None, b"".join(stderr_chunks).decode()
                    await anyio.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            with anyio.fail_after(30):
                returncode = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
    stderr = b"".join(stderr_chunks).decode()

    assert returncode == 0, stderr
    assert "worker started" in stderr
    assert "consumed events" in stderr and "playback" in stderr
    assert "worker stopped" in stderr
    assert "Traceback" not in stderr
    assert stdout_chunks == []  # stdout stays free for what commands print on purpose
