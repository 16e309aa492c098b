"""The PresenceBackend contract: every presence backend must pass these (see PRESENCE_BACKENDS)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from segue.runtime import load
from segue.slots.presence import (
    Device,
    NowPlaying,
    Play,
    PlaybackState,
    PresenceBackend,
    TrackSummary,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def presence(
    tmp_path: Path, presence_backend: str, request: pytest.FixtureRequest
) -> AsyncIterator[PresenceBackend]:
    """A started backend built through the real plugin path, with small limits."""
    name = f"presence-{presence_backend}"
    overrides: dict[str, Any] = {
        "server.data_dir": str(tmp_path / "data"),
        "presence.backend": presence_backend,
        f"plugins.{name}.history_size": 3,
        f"plugins.{name}.device_timeout_s": 0.3,
    }
    if presence_backend == "valkey":
        overrides[f"plugins.{name}.url"] = request.getfixturevalue("valkey_url")
        overrides[f"plugins.{name}.key_prefix"] = f"c{uuid.uuid4().hex[:10]}:"
    _raw, plugins, context = load(None, overrides=overrides)
    backend = cast(PresenceBackend, plugins.backends["presence"][presence_backend].factory(context))
    await backend.start()
    try:
        async with anyio.create_task_group() as tg:
            run = getattr(backend, "run_pubsub", None)
            if run is not None:
                tg.start_soon(run)
            await anyio.sleep(0.05)
            yield backend
            tg.cancel_scope.cancel()
    finally:
        await backend.close()


def record(user_id: str, track_id: str = "tr1") -> NowPlaying:
    now = time.time()
    return NowPlaying(user_id=user_id, track_id=track_id, started_at=now, updated_at=now)


async def test_now_playing_round_trips_and_expires(presence: PresenceBackend) -> None:
    await presence.set_now_playing(record("u1"), ttl_s=0.3)
    await presence.set_now_playing(record("u2", "tr2"), ttl_s=30)
    got = await presence.read_activity(["u1", "u2", "u3"], 5)
    assert [a.user_id for a in got] == ["u1", "u2", "u3"]
    assert got[0].now_playing is not None and got[0].now_playing.track_id == "tr1"
    assert got[2].now_playing is None and got[2].recent == []
    await anyio.sleep(0.4)
    got = await presence.read_activity(["u1", "u2"], 5)
    assert got[0].now_playing is None and got[1].now_playing is not None
    await presence.clear_now_playing("u2")
    assert (await presence.read_activity(["u2"], 5))[0].now_playing is None


async def test_history_is_newest_first_and_capped(presence: PresenceBackend) -> None:
    for index in range(5):
        await presence.add_play("u1", Play(track_id=f"tr{index}", played_at=1000.0 + index))
    got = (await presence.read_activity(["u1"], 10))[0].recent
    assert [p.track_id for p in got] == ["tr4", "tr3", "tr2"]  # history_size = 3
    assert [p.track_id for p in (await presence.read_activity(["u1"], 2))[0].recent] == [
        "tr4",
        "tr3",
    ]
    assert [p.track_id for p in (await presence.read_activity(["u1"], 200))[0].recent] == [
        "tr4",
        "tr3",
        "tr2",
    ]
    assert (await presence.read_activity([], 2)) == []


async def test_activity_keeps_track_details(presence: PresenceBackend) -> None:
    summary = TrackSummary(id="tr1", title="Song", artist_name="Band", duration_ms=1000)
    now = time.time()
    await presence.set_now_playing(
        NowPlaying(user_id="u1", track_id="tr1", started_at=now, updated_at=now, track=summary), 30
    )
    await presence.add_play("u1", Play(track_id="tr1", played_at=now, track=summary))
    got = (await presence.read_activity(["u1"], 1))[0]
    assert got.now_playing is not None and got.now_playing.track == summary
    assert got.recent[0].track == summary


async def test_acquire_grants_one_caller_per_interval(presence: PresenceBackend) -> None:
    assert await presence.acquire("k", 0.2)
    assert not await presence.acquire("k", 0.2)
    assert await presence.acquire("other", 0.2)
    await anyio.sleep(0.25)
    assert await presence.acquire("k", 0.2)


async def test_publish_reaches_subscribers_of_the_channel_only(presence: PresenceBackend) -> None:
    async with presence.subscribe(["a"]) as first, presence.subscribe(["b"]) as second:
        await anyio.sleep(0.05)  # let a shared store confirm the subscriptions
        await presence.publish("a", {"type": "x", "n": 1})
        await presence.publish("b", {"type": "x", "n": 2})
        await second.add(["a"])
        await first.remove(["a"])
        await anyio.sleep(0.05)
        await presence.publish("a", {"type": "x", "n": 3})
        await presence.publish("nobody", {"type": "x", "n": 4})
        with anyio.fail_after(2):
            one = [m async for m in _take(first, 1)]
            two = [m async for m in _take(second, 2)]
        assert one == [("a", {"type": "x", "n": 1})]
        assert two == [("b", {"type": "x", "n": 2}), ("a", {"type": "x", "n": 3})]


async def _take(subscription: Any, count: int) -> AsyncIterator[Any]:
    taken = 0
    async for message in subscription:
        yield message
        taken += 1
        if taken == count:
            return


async def test_devices_expire_without_heartbeat(presence: PresenceBackend) -> None:
    await presence.put_device("u1", Device(id="d1", name="Phone", last_seen=time.time() - 1))
    await presence.put_device("u1", Device(id="d2", name="Desk", last_seen=time.time()))
    assert [d.id for d in await presence.list_devices("u1")] == ["d2"]  # d1 is older than 0.3 s
    await presence.put_device("u1", Device(id="d1", name="Phone", last_seen=time.time()))
    assert [d.id for d in await presence.list_devices("u1")] == ["d1", "d2"]
    await presence.remove_device("u1", "d2")
    assert [d.id for d in await presence.list_devices("u1")] == ["d1"]
    assert await presence.list_devices("u2") == []


async def test_playback_state_round_trips(presence: PresenceBackend) -> None:
    assert await presence.get_playback("u1") is None
    state = PlaybackState(
        track_id="tr1",
        position_ms=1500,
        updated_at=100.0,
        paused=False,
        device_id="d1",
        queue=["tr2"],
        volume=40,
    )
    await presence.set_playback("u1", state)
    assert await presence.get_playback("u1") == state
    assert state.position_at(101.0) == 2500
    paused = PlaybackState(track_id="tr1", position_ms=1500, updated_at=100.0, paused=True)
    assert paused.position_at(200.0) == 1500


def test_rebasing_the_playback_state_never_drifts() -> None:
    state = PlaybackState(track_id="tr1", position_ms=1000, updated_at=100.0, paused=False)
    now = 100.0
    for _ in range(1000):  # a thousand handoffs, 1.3 ms apart
        now += 0.0013
        position, anchored = state.anchor_at(now)
        state = PlaybackState(
            track_id="tr1", position_ms=position, updated_at=anchored, paused=False
        )
    assert abs(state.position_at(now) - (1000 + (now - 100.0) * 1000)) <= 1
    assert now - 0.0005 <= state.updated_at <= now + 1e-6
