"""Several Segue processes on shared engines, through nginx: issue #11's multi-process test.

On this machine: a real Valkey (events, presence, Litestar's stores),
FerretDB (playlists), two `segue serve` processes (A and B), one
`segue worker`, and nginx balancing A and B. Each scenario pins its clients
to A or B where it needs "the other process", and also runs through nginx.
The last test kills A with SIGKILL: clients reconnect through nginx to B and
nothing that was acknowledged is lost.

The catalog is SQLite in the data dir all processes share, or catalog-mongodb
on the same FerretDB with ``SEGUE_TEST_SCALEOUT_CATALOG=mongodb`` (see
conftest.py); search is off (the embedded index is per process, see
docs/scaling.md).

Run alone: ``.venv/bin/pytest tests/scaleout -rP`` (``-rP`` prints the
measured start-up and fail-over figures).
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pytest
import valkey.asyncio as valkey
from scaleout_clients import Person  # type: ignore[import-not-found]
from scaleout_cluster import ADMIN_NAME, ADMIN_PASSWORD, Cluster  # type: ignore[import-not-found]

pytestmark = [pytest.mark.slow, pytest.mark.scaleout, pytest.mark.anyio]

POLL_S = 0.1
WORKER_TIMEOUT_S = 20.0
"""How long the worker may take to consume what a server published."""


async def eventually(check: Callable[[], Awaitable[bool]], within: float) -> None:
    """Poll ``check`` until it is true; fail after ``within`` seconds."""
    with anyio.fail_after(within):
        while True:
            if await check():
                return
            await anyio.sleep(POLL_S)


@dataclass
class World:
    """The cluster and the people using it."""

    cluster: Cluster
    admin: Person
    alice: Person
    bob: Person
    track_ids: list[str]


def _login(url: str, name: str, password: str) -> Person:
    answer = httpx.post(
        f"{url}/api/v1/auth/login", json={"username": name, "password": password}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Person(id=body["user"]["id"], name=name, token=body["token"])


@pytest.fixture(scope="module")
def world(cluster: Cluster) -> World:
    """Alice and Bob, friends, made through nginx; the demo tracks' ids."""
    lb = cluster.url_lb
    admin = _login(lb, ADMIN_NAME, ADMIN_PASSWORD)
    people = []
    for name in ("alice", "bob"):
        password = f"{name}-password"
        created = httpx.post(
            f"{lb}/api/v1/admin/users",
            json={"name": name, "password": password},
            headers=admin.headers,
            timeout=10,
        )
        assert created.status_code == 201, created.text
        people.append(_login(lb, name, password))
    alice, bob = people
    sent = httpx.post(
        f"{cluster.url_a}/api/v1/friends/requests",
        json={"username": "bob"},
        headers=alice.headers,
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    accepted = httpx.post(
        f"{cluster.url_b}/api/v1/friends/requests/{sent.json()['id']}/accept",
        headers=bob.headers,
        timeout=10,
    )
    assert accepted.status_code == 200, accepted.text
    tracks = httpx.get(
        f"{lb}/api/v1/tracks", params={"limit": 50}, headers=alice.headers, timeout=10
    )
    assert tracks.status_code == 200, tracks.text
    return World(cluster, admin, alice, bob, [t["id"] for t in tracks.json()["items"]])


async def _play(person: Person, url: str, track_id: str) -> None:
    answer = await person.call(
        url,
        "PUT",
        "/api/v1/me/player/state",
        json={"track_id": track_id, "position_ms": 0, "paused": False},
    )
    assert answer.status_code in (200, 204), answer.text


@pytest.mark.parametrize("route", ["pinned", "nginx"])
async def test_friend_activity_crosses_processes(world: World, route: str) -> None:
    c = world.cluster
    watch_url, play_url = (c.url_a, c.url_b) if route == "pinned" else (c.url_lb, c.url_lb)
    track = world.track_ids[1 if route == "pinned" else 2]
    async with world.bob.socket(watch_url) as bob:
        await bob.ask({"type": "ping"}, "pong")  # subscribed before Alice plays
        await _play(world.alice, play_url, track)
        pushed = await bob.expect("friend_activity")
    assert pushed["entry"]["user_id"] == world.alice.id
    assert pushed["entry"]["now_playing"]["track"]["id"] == track


@pytest.mark.parametrize("route", ["pinned", "nginx"])
async def test_playlist_diff_crosses_processes(world: World, route: str) -> None:
    c = world.cluster
    watch_url, edit_url = (c.url_a, c.url_b) if route == "pinned" else (c.url_lb, c.url_lb)
    created = await world.alice.call(
        edit_url, "POST", "/api/v1/playlists", json={"name": f"mix {route}", "public": True}
    )
    assert created.status_code == 201, created.text
    playlist_id = created.json()["id"]
    followed = await world.bob.call(
        watch_url, "PUT", f"/api/v1/playlists/{playlist_id}/followers/me"
    )
    assert followed.is_success, followed.text
    async with world.bob.socket(watch_url) as bob:
        await bob.ask({"type": "ping"}, "pong")
        added = await world.alice.call(
            edit_url,
            "POST",
            f"/api/v1/playlists/{playlist_id}/tracks",
            json={"track_ids": world.track_ids[:2]},
        )
        assert added.status_code == 200, added.text
        diff = await bob.expect("playlist.diff", playlist_id=playlist_id)
    assert diff["version"] == added.json()["version"]
    inserted = [e["track_id"] for op in diff["diff"] for e in op.get("entries", [])]
    assert inserted == world.track_ids[:2]


async def test_playlist_diff_reaches_a_reader_on_the_other_process(world: World) -> None:
    """Bob only read the public playlist (through A); Alice's edit goes through B."""
    c = world.cluster
    created = await world.alice.call(
        c.url_b, "POST", "/api/v1/playlists", json={"name": "read only", "public": True}
    )
    assert created.status_code == 201, created.text
    playlist_id = created.json()["id"]
    read = await world.bob.call(c.url_a, "GET", f"/api/v1/playlists/{playlist_id}")
    assert read.status_code == 200, read.text
    async with world.bob.socket(c.url_a) as bob:
        await bob.ask({"type": "ping"}, "pong")
        added = await world.alice.call(
            c.url_b,
            "POST",
            f"/api/v1/playlists/{playlist_id}/tracks",
            json={"track_ids": world.track_ids[2:3]},
        )
        assert added.status_code == 200, added.text
        diff = await bob.expect("playlist.diff", playlist_id=playlist_id)
    assert diff["version"] == added.json()["version"]


@pytest.mark.parametrize("route", ["pinned", "nginx"])
async def test_handoff_reaches_a_device_on_the_other_process(world: World, route: str) -> None:
    c = world.cluster
    phone_url, laptop_url = (c.url_a, c.url_b) if route == "pinned" else (c.url_lb, c.url_lb)
    async with world.bob.socket(phone_url) as phone, world.bob.socket(laptop_url) as laptop:
        phone_id = await phone.register(f"phone {route}")
        laptop_id = await laptop.register(f"laptop {route}")
        await laptop.ask(
            {"type": "player.state", "track_id": world.track_ids[3], "position_ms": 1000},
            "ok",
        )
        moved = await world.bob.call(
            laptop_url, "PUT", "/api/v1/me/player", json={"device_id": phone_id, "play": True}
        )
        assert moved.is_success, moved.text
        transfer = await phone.expect("player.command", command="transfer")
        stop = await laptop.expect("player.command", command="stop")
    assert transfer["device_id"] == phone_id
    assert transfer["state"]["track_id"] == world.track_ids[3]
    assert stop["device_id"] == laptop_id


async def _history(person: Person, url: str) -> list[dict[str, object]]:
    answer = await person.call(url, "GET", "/api/v1/history", params={"limit": 500})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


async def _report(person: Person, url: str, track_id: str, key: str) -> httpx.Response:
    answer: httpx.Response = await person.call(
        url,
        "POST",
        "/api/v1/playback/report",
        json={
            "track_id": track_id,
            "duration_listened_ms": 2500,
            "completed": True,
            "device_id": "scaleout-device",
            "session_id": key,
        },
        headers={"Idempotency-Key": key},
    )
    return answer


async def test_a_playback_report_is_recorded_once_by_the_worker(world: World) -> None:
    c = world.cluster
    key = uuid.uuid4().hex
    track = world.track_ids[4]
    # The report reaches B, is retried on A and through nginx: one playback.
    answers = [await _report(world.bob, url, track, key) for url in (c.url_b, c.url_a, c.url_lb)]
    assert [a.status_code for a in answers] == [202] * 3, [a.text for a in answers]
    event_ids = {a.json()["event_id"] for a in answers}
    assert len(event_ids) == 1

    # Servers run no consumers here ([events] run_consumers_in_server = false):
    # only the worker can have written this history entry.
    async def recorded() -> bool:
        return any(h["id"] in event_ids for h in await _history(world.bob, c.url_a))

    await eventually(recorded, WORKER_TIMEOUT_S)
    await anyio.sleep(1.0)  # a second recording would come right after the first
    history = await _history(world.bob, c.url_b)
    assert [h["id"] for h in history if h["id"] in event_ids] == list(event_ids)


def _new_song(folder: Path, title: str) -> Path:
    """A real two-second FLAC with tags, made by ffmpeg."""
    path = folder / f"{title}.flac"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=523:duration=2",
            "-metadata", f"title={title}", "-metadata", "artist=Scale Out",
            "-metadata", "album=Two Servers", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


async def _scan_idle(admin: Person, url: str) -> bool:
    answer = await admin.call(url, "GET", "/api/v1/admin/scan")
    assert answer.status_code == 200, answer.text
    return not answer.json()["running"]


async def _queued_jobs(cluster: Cluster, topic: str) -> list[dict[str, object]]:
    """The payloads of every event of ``topic`` in the cluster's Valkey stream."""
    client = valkey.Valkey.from_url(cluster.valkey_url)
    try:
        stream = f"{cluster.key_prefix}events:stream:{topic}"
        entries = await client.xrange(stream)
    finally:
        await client.aclose()
    return [json.loads(fields[b"p"]) for _sid, fields in entries]


async def test_a_scan_started_on_both_servers_queues_each_job_once(world: World) -> None:
    c, admin = world.cluster, world.admin
    title = f"Scale-out {uuid.uuid4().hex[:6]}"
    await anyio.to_thread.run_sync(_new_song, c.new_music, title)
    async with anyio.create_task_group() as tg:
        for url in (c.url_a, c.url_b):  # two admins press "scan" at once on both servers

            async def start(url: str = url) -> None:
                answer = await admin.call(url, "POST", "/api/v1/admin/scan")
                assert answer.status_code == 202, answer.text

            tg.start_soon(start)

    async def scans_done() -> bool:
        return await _scan_idle(admin, c.url_a) and await _scan_idle(admin, c.url_b)

    await eventually(scans_done, WORKER_TIMEOUT_S)
    tracks = await admin.call(c.url_lb, "GET", "/api/v1/tracks", params={"limit": 100})
    assert tracks.status_code == 200, tracks.text
    found = [t["id"] for t in tracks.json()["items"] if t["title"] == title]
    assert len(found) == 1, "two scans at once must not add the file twice"
    assert tracks.json()["total"] == len(world.track_ids) + 1
    # Both scans saw the new track; its job is queued once (a stable event id) ...
    jobs = [j for j in await _queued_jobs(c, "transcode") if j["track_id"] == found[0]]
    assert len(jobs) == 1

    # ... and taken by the worker, the only consumer (servers run none here).
    async def job_taken() -> bool:
        status = await admin.call(c.url_b, "GET", "/api/v1/admin/transcoder")
        assert status.status_code == 200, status.text
        return bool(status.json()["queue_lag"] == 0 and status.json()["measured"] >= 1)

    await eventually(job_taken, WORKER_TIMEOUT_S)


RETRIES = 5
"""A client retries a failed write this many times, with the same Idempotency-Key."""


@dataclass
class Writes:
    """What the writer got acknowledged (2xx), and how many attempts failed on the way."""

    entry_ids: list[str]
    event_ids: list[str]
    failed_attempts: int = 0


async def _write_until_acknowledged(
    person: Person, url: str, playlist_id: str, track_id: str, writes: Writes
) -> None:
    """One playlist insert and one playback report, each retried until a 2xx (same key)."""
    key = uuid.uuid4().hex
    for _ in range(RETRIES):
        added = await person.call(
            url,
            "POST",
            f"/api/v1/playlists/{playlist_id}/tracks",
            json={"track_ids": [track_id]},
            headers={"Idempotency-Key": key},
        )
        if added.status_code == 200:
            writes.entry_ids += [e["id"] for op in added.json()["diff"] for e in op["entries"]]
            break
        writes.failed_attempts += 1
    else:
        raise AssertionError(f"a playlist insert was never acknowledged: {added.text}")
    for _ in range(RETRIES):
        reported = await _report(person, url, track_id, key)
        if reported.status_code == 202:
            writes.event_ids.append(reported.json()["event_id"])
            break
        writes.failed_attempts += 1
    else:
        raise AssertionError(f"a playback report was never acknowledged: {reported.text}")


async def test_killing_a_server_loses_nothing_acknowledged(world: World) -> None:
    """Runs last: serve-a stays dead for the rest of the module."""
    c = world.cluster
    lb = c.url_lb
    alice, bob = world.alice, world.bob
    created = await alice.call(
        lb, "POST", "/api/v1/playlists", json={"name": "through a crash", "public": True}
    )
    assert created.status_code == 201, created.text
    playlist_id = created.json()["id"]
    writes = Writes(entry_ids=[], event_ids=[])
    ten_acknowledged = anyio.Event()
    began = anyio.current_time()
    async with bob.socket(lb) as first, bob.socket(lb) as second:
        # Back to back through nginx's round robin: one socket on A, one on B.
        devices = [await first.register("first"), await second.register("second")]
        async with anyio.create_task_group() as tg:

            async def write_all() -> None:
                for i in range(30):
                    track = world.track_ids[i % len(world.track_ids)]
                    await _write_until_acknowledged(alice, lb, playlist_id, track, writes)
                    if len(writes.event_ids) == 10:
                        ten_acknowledged.set()

            tg.start_soon(write_all)
            with anyio.fail_after(20):
                await ten_acknowledged.wait()
            await anyio.to_thread.run_sync(c.children["serve-a"].kill)
            killed_at = anyio.current_time()
        assert len(writes.event_ids) == 30
        print(  # measured figures, shown with -rP
            f"cluster started in {c.started_in_s:.1f} s; 30 insert+report pairs through "
            f"nginx in {anyio.current_time() - began:.2f} s, the rest after the kill in "
            f"{anyio.current_time() - killed_at:.2f} s; failed attempts: {writes.failed_attempts}"
        )

        # The socket that was on A is gone; the client reconnects through nginx.
        closed = []
        for socket in (first, second):
            try:
                await socket.ask({"type": "ping"}, "pong")
            except Exception:
                closed.append(socket)
        assert len(closed) == 1, "nginx should have put one of the two sockets on each server"
        alive = second if closed[0] is first else first
        device_id = devices[0] if closed[0] is first else devices[1]
        async with bob.socket(lb) as again:
            assert await again.register("reconnected", device_id=device_id) == device_id
            await _play(alice, lb, world.track_ids[5])
            for socket in (again, alive):
                pushed = await socket.expect("friend_activity")
                assert pushed["entry"]["now_playing"]["track"]["id"] == world.track_ids[5]

    entries = await alice.call(
        lb, "GET", f"/api/v1/playlists/{playlist_id}/tracks", params={"limit": 500}
    )
    assert entries.status_code == 200, entries.text
    stored = [e["id"] for e in entries.json()["items"]]
    assert stored == writes.entry_ids  # every acknowledged insert, once, in order

    async def all_recorded() -> bool:
        recorded = [h["id"] for h in await _history(alice, lb)]
        return set(recorded) >= set(writes.event_ids)

    await eventually(all_recorded, WORKER_TIMEOUT_S)
    history = [h["id"] for h in await _history(alice, lb)]
    assert sorted(i for i in history if i in set(writes.event_ids)) == sorted(writes.event_ids)
