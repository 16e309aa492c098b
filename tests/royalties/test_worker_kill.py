"""A real `segue worker` counting from a real Valkey is SIGKILLed mid-batch and restarted:
nothing is lost and nothing is counted twice."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
import valkey.asyncio as valkey
from royalties_helpers import at, config_toml, distinct_tracks, play, publish_all

from segue.runtime import open_context
from segue_royalties.plugin import COUNT_GROUP

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SEGUE = str(Path(sys.executable).with_name("segue"))
EVENTS = 8_000


def read_store(path: Path) -> tuple[int, int, int]:
    """(plays recorded, counted, streams in the daily track counts) read from the store file."""
    if not path.exists():
        return 0, 0, 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "daily_counts" not in tables:
            return 0, 0, 0
        plays, counted = conn.execute(
            "SELECT count(*), coalesce(sum(verdict = 'counted'), 0) FROM plays"
        ).fetchone()
        (streams,) = conn.execute(
            "SELECT coalesce(sum(streams), 0) FROM daily_counts WHERE kind = 'track'"
        ).fetchone()
        return int(plays), int(counted), int(streams)
    finally:
        conn.close()


async def store_state(path: Path) -> tuple[int, int, int]:
    return await anyio.to_thread.run_sync(read_store, path)


async def test_a_killed_worker_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path, scanned_data_dir: Path, demo_library: Path, valkey_url: str
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(scanned_data_dir, data_dir)
    prefix = "kill-test:"
    config = tmp_path / "segue.toml"
    config.write_text(
        config_toml(
            data_dir,
            demo_library,
            "valkey",
            f'[plugins.events-valkey]\nurl = "{valkey_url}"\nkey_prefix = "{prefix}"\n\n'
            "[plugins.royalties]\nbatch_size = 1000\nclaim_timeout = 2\n",
        ),
        encoding="utf-8",
    )
    async with open_context(config) as context:
        tracks = await distinct_tracks(context, 3)
        # Every play is its own user and session: each one must count exactly once.
        events = [
            play(
                f"e{n}",
                f"u{n}",
                tracks[n % 3].id,
                at(9, 0, n / 100),
                session=f"s{n}",
                device=f"d{n}",
            )
            for n in range(EVENTS)
        ]
        await publish_all(context, events)
    store = data_dir / "royalties.sqlite3"
    client: Any = valkey.Valkey.from_url(valkey_url)
    try:
        # First worker: killed once it has counted some and holds a claimed batch.
        stream = f"{prefix}stream:playback"
        async with await anyio.open_process([SEGUE, "worker", "--config", str(config)]) as first:
            with anyio.fail_after(60):
                # Past the first small batches (batches grow as the worker times them).
                while (await store_state(store))[0] < EVENTS // 10 or (
                    await client.xpending(stream, COUNT_GROUP)
                )["pending"] < 100:
                    assert first.returncode is None, "the worker exited early"
                    await anyio.sleep(0.005)
            first.send_signal(signal.SIGKILL)
            await first.wait()
        plays_at_kill = (await store_state(store))[0]
        pending = await client.xpending(stream, COUNT_GROUP)
        assert 0 < plays_at_kill < EVENTS, "the kill must come in the middle of the work"
        assert pending["pending"] > 0, "the worker died holding claimed events"

        # Second worker: picks up the dead worker's claims once they expire, and the rest.
        async with await anyio.open_process([SEGUE, "worker", "--config", str(config)]) as second:
            try:
                with anyio.fail_after(120):
                    while (await store_state(store))[0] < EVENTS:
                        assert second.returncode is None, "the restarted worker exited"
                        await anyio.sleep(0.1)
                    lag = None
                    while lag != 0:
                        await anyio.sleep(0.1)
                        info = await client.xinfo_groups(f"{prefix}stream:playback")
                        group = next(g for g in info if g["name"] == COUNT_GROUP.encode())
                        lag = int(group["lag"]) + int(group["pending"])
            finally:
                second.send_signal(signal.SIGTERM)
                with anyio.fail_after(30):
                    await second.wait()
    finally:
        await client.aclose()

    assert await store_state(store) == (EVENTS, EVENTS, EVENTS)
