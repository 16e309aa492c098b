"""Benchmark: ladder encoding, time to first byte, and Range serving against nginx.

    .venv/bin/python tests/benchmarks/bench_transcode.py [--seconds S] [--load-seconds L]

Builds in this run a stereo FLAC of S seconds (default 180) in a library
folder, a catalog that scanned it, and starts a real ``segue serve`` on a
free loopback port. Then:

* **ladder encode**: the transcoder's one-process encode of the whole default
  ladder plus the loudness measurement (``segue_transcoder.encode.encode``,
  temp files and renames included) against the very same ffmpeg command line
  run by hand with ``subprocess``; best of 3 each, interleaved. Target:
  hand time / our time >= 0.95. Also audio seconds encoded per wall second.
* **time to first byte** over HTTP: an uncached rendition (a live encode
  starts) and the same rendition once cached. Target: uncached < 150 ms.
* **Range serving** of the cached rendition: Debian's nginx, started on a
  free port with a temporary config serving the same file, and Segue (a
  signed URL: what a CDN or reverse proxy fetches), loaded by the same
  asyncio + httpx loop (C concurrent keep-alive clients asking random 64 KiB
  ranges, checking every byte). Target: Segue / nginx requests per second
  >= 0.5. The load tool is the same Python loop for both, so nginx's figure
  is capped by the tool: the ratio says how close Segue comes under it.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
from anyio.abc import Process

from segue.runtime import open_context
from segue_events_valkey.testing import free_port
from segue_transcoder.encode import Output, encode, ladder_args, temp_path
from segue_transcoder.ffmpeg import find_tool, run_ffmpeg
from segue_transcoder.ladder import DEFAULT_LADDER

ENCODE_RATIO_TARGET = 0.95
TTFB_TARGET_MS = 150.0
RANGE_RATIO_TARGET = 0.5
RANGE_SIZE = 64 * 1024
PASSWORD = "bench-password"
SEGUE = str(Path(sys.executable).with_name("segue"))


async def make_source(path: Path, seconds: int) -> None:
    source = (
        "aevalsrc=exprs=0.25*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*0.3*t))+0.05*random(0)|"
        f"0.2*sin(2*PI*331*t)+0.05*random(1):s=44100:d={seconds}"
    )
    await run_ffmpeg(["-y", "-f", "lavfi", "-i", source, "-c:a", "flac", str(path)])


# --- ladder encode ---------------------------------------------------------------------


async def bench_encode(source: Path, work: Path, seconds: int) -> tuple[float, bool]:
    ours: list[float] = []
    hand: list[float] = []
    for attempt in range(3):
        outputs = [
            Output(s, work / f"ours-{attempt}-{s.name}.{s.extension}") for s in DEFAULT_LADDER
        ]
        started = time.perf_counter()
        await encode(source, outputs, loudness=True)
        ours.append(time.perf_counter() - started)

        finals = [work / f"hand-{attempt}-{s.name}.{s.extension}" for s in DEFAULT_LADDER]
        pairs = [(s, temp_path(f)) for s, f in zip(DEFAULT_LADDER, finals, strict=True)]
        command = [find_tool("ffmpeg"), *ladder_args(source, pairs, loudness=True)]
        started = time.perf_counter()
        await anyio.run_process(command)
        hand.append(time.perf_counter() - started)
        await anyio.to_thread.run_sync(_empty, work)
    best_ours, best_hand = min(ours), min(hand)
    ratio = best_hand / best_ours
    print(
        f"ladder encode ({len(DEFAULT_LADDER)} renditions + loudness, {seconds} s of audio): "
        f"segue {best_ours:.2f} s, by hand {best_hand:.2f} s -> ratio {ratio:.3f} "
        f"(target >= {ENCODE_RATIO_TARGET}); {seconds / best_ours:.1f} audio s per wall s"
    )
    return ratio, ratio >= ENCODE_RATIO_TARGET


def _empty(directory: Path) -> None:
    for path in directory.iterdir():
        path.unlink()


# --- a running server ----------------------------------------------------------------


async def start_server(root: Path, library: Path) -> tuple[Process, str, Path]:
    data_dir = root / "data"
    port = free_port()
    config = root / "segue.toml"
    config.write_text(
        f'[server]\ndata_dir = "{data_dir}"\nhost = "127.0.0.1"\nport = {port}\n\n'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n\n'
        f'[auth]\nadmin_user = "admin"\nadmin_password = "{PASSWORD}"\n'
        "login_attempts_per_minute = 1000\n\n"
        '[logging]\nlevel = "warning"\n\n'
        "[plugins.transcoder]\nanalyze_on_ingest = false\nmax_live_transcodes = 8\n",
        encoding="utf-8",
    )
    from segue_catalog_filesystem.scanner import scan_library  # type: ignore[import-untyped]

    async with open_context(config, role="server") as context:
        await scan_library(context)
    server = await anyio.open_process(
        [SEGUE, "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{base}/api/v1/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await anyio.sleep(0.1)
        else:
            raise RuntimeError("segue serve did not start")
    return server, base, data_dir


async def first_byte_ms(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code in (200, 206), response.status_code
        chunks = response.aiter_raw()
        elapsed = 0.0
        async for chunk in chunks:
            if chunk and not elapsed:
                elapsed = (time.perf_counter() - started) * 1000
            # reading to the end: the next request finds the rendition cached
        assert elapsed, "empty body"
    return elapsed


async def bench_ttfb(base: str, track_id: str, token: str) -> tuple[float, float, bool]:
    headers = {"Authorization": f"Bearer {token}"}
    uncached: list[float] = []
    cached: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await client.get("/api/v1/health")  # a warm connection for both
        for step in DEFAULT_LADDER:
            url = f"/api/v1/tracks/{track_id}/stream?format={step.format}&quality={step.quality}"
            uncached.append(await first_byte_ms(client, url, headers))
            await anyio.sleep(0.3)  # the live encode renames its file into the cache
            cached.append(await first_byte_ms(client, url, headers))
    worst = max(uncached)
    print(
        f"time to first byte over HTTP: uncached median {statistics.median(uncached):.1f} ms, "
        f"worst {worst:.1f} ms (target < {TTFB_TARGET_MS:.0f} ms); "
        f"cached median {statistics.median(cached):.1f} ms"
    )
    return worst, statistics.median(cached), statistics.median(uncached) < TTFB_TARGET_MS


# --- Range serving against nginx ---------------------------------------------------------


def start_nginx(root: Path, file: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    conf = root / "nginx.conf"
    # As root, nginx's workers would drop to "nobody", who cannot read our temp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""
{user}
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {root}/nginx-body;
    proxy_temp_path {root}/nginx-proxy;
    fastcgi_temp_path {root}/nginx-fastcgi;
    uwsgi_temp_path {root}/nginx-uwsgi;
    scgi_temp_path {root}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /rendition.ogg {{ alias {file}; }}
    }}
}}
""",
        encoding="utf-8",
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(root)], start_new_session=True)
    return process, f"http://127.0.0.1:{port}/rendition.ogg"


async def load(url: str, data: bytes, clients: int, seconds: float) -> float:
    """Requests per second of random 64 KiB ranges, every body checked."""
    done = 0
    rng = random.Random(5)
    deadline = time.perf_counter() + seconds

    async def client_loop() -> None:
        nonlocal done
        async with httpx.AsyncClient(timeout=30) as client:
            while time.perf_counter() < deadline:
                start = rng.randrange(0, max(1, len(data) - RANGE_SIZE))
                end = start + RANGE_SIZE - 1
                response = await client.get(url, headers={"Range": f"bytes={start}-{end}"})
                assert response.status_code == 206, (response.status_code, response.text[:300])
                assert response.content == data[start : end + 1]
                done += 1

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(clients):
            tg.start_soon(client_loop)
    return done / (time.perf_counter() - started)


async def bench_ranges(
    root: Path, base: str, signed_url: str, file: Path, clients: int, seconds: float
) -> tuple[float, float, bool]:
    data = await anyio.Path(file).read_bytes()
    nginx, nginx_url = start_nginx(root, file)
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    if (await client.get(nginx_url)).status_code == 200:
                        break
                except httpx.TransportError:
                    await anyio.sleep(0.05)
        await load(nginx_url, data, clients, 1.0)  # warm-up
        nginx_rps = await load(nginx_url, data, clients, seconds)
        await load(base + signed_url, data, clients, 1.0)
        segue_rps = await load(base + signed_url, data, clients, seconds)
    finally:
        nginx.send_signal(signal.SIGTERM)
        nginx.wait(timeout=10)
    ratio = segue_rps / nginx_rps
    print(
        f"Range serving ({clients} clients, 64 KiB ranges, {len(data)} byte rendition): "
        f"nginx {nginx_rps:.0f} req/s, segue {segue_rps:.0f} req/s -> ratio {ratio:.2f} "
        f"(target >= {RANGE_RATIO_TARGET})"
    )
    return nginx_rps, segue_rps, ratio >= RANGE_RATIO_TARGET


async def main(seconds: int, load_seconds: float, clients: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as tmp:
        root = Path(tmp)
        library = root / "library"
        library.mkdir()
        source = library / "bench.flac"
        await make_source(source, seconds)
        work = root / "encode"
        work.mkdir()
        _ratio, encode_ok = await bench_encode(source, work, seconds)

        server, base, data_dir = await start_server(root, library)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                login = await client.post(
                    "/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}
                )
                token = login.json()["token"]
                headers = {"Authorization": f"Bearer {token}"}
                tracks = (await client.get("/api/v1/tracks", headers=headers)).json()["items"]
                track_id = tracks[0]["id"]
            _worst, _cached, ttfb_ok = await bench_ttfb(base, track_id, token)
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                signed = await client.get(
                    f"/api/v1/tracks/{track_id}/signed-stream",
                    params={"format": "ogg", "quality": "very_high"},
                    headers=headers,
                )
                signed_url = signed.json()["url"]
            [file] = [p for p in (data_dir / "transcoder" / "cache").rglob("ogg-very_high.*.ogg")]
            _n, _s, range_ok = await bench_ranges(
                root, base, signed_url, file, clients, load_seconds
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            with anyio.fail_after(20):
                await server.wait()
    failed = [
        name
        for name, ok in (
            ("encode ratio", encode_ok),
            ("uncached TTFB", ttfb_ok),
            ("range ratio", range_ok),
        )
        if not ok
    ]
    if failed:
        print(f"MISSED: {', '.join(failed)}")
        return 1
    print("all transcoding targets met")
    return 0


def parse_args(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=180, help="length of the test track")
    parser.add_argument("--load-seconds", type=float, default=5.0, help="each load phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent load clients")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    sys.exit(anyio.run(main, args.seconds, args.load_seconds, args.clients))
