"""Benchmark: the web player's first render in Chromium, on a demo library served locally.

    .venv/bin/python tests/benchmarks/bench_web.py [--runs N] [--tracks T]

Writes a demo library (cached under .cache/bench-web/), starts a real
``segue serve`` on a free port, then measures in this run, each time in a
fresh browser context (empty HTTP cache, no Service Worker yet):

* baseline: fetching ``index.html`` raw with httpx (one HTTP round trip, no
  rendering);
* login page: from the start of the navigation to the login form being
  visible (a listener who is not logged in);
* home page: the same to the home view being visible, for a listener whose
  token is already stored (the usual start).

Times are wall-clock from the test driver (they include Playwright's own
round trips, a few ms), next to the browser's First Contentful Paint.
Target: first render under 1 s (median of the runs). Exit status 1 when missed.

Chromium is Debian's ``/usr/bin/chromium`` (``SEGUE_CHROMIUM`` to change).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import anyio
import httpx
from playwright.sync_api import Browser, sync_playwright

from segue_events_valkey.testing import free_port

REPO = Path(__file__).resolve().parents[2]
SEGUE = Path(sys.executable).with_name("segue")
CHROMIUM = os.environ.get("SEGUE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TARGET_S = 1.0
PASSWORD = "bench-web-password"
# The first meaningful element of each page (see web/TESTIDS.md).
LOGIN_READY = "#app[data-state=login] form input[type=password]"
HOME_READY = "main[data-view=home]:not([aria-busy=true])"


def demo_library(tracks: int) -> Path:
    """The demo library, written once and kept under .cache/ for later runs."""
    # Imported by name: the plugin's package is not on mypy's path (tests are checked alone).
    write_demo_library = importlib.import_module("segue_catalog_filesystem.demo").write_demo_library

    library = REPO / ".cache" / "bench-web" / f"library-{tracks}"
    done = library / ".complete"
    if not done.exists():
        shutil.rmtree(library, ignore_errors=True)

        async def write() -> None:
            await write_demo_library(library, tracks=tracks)

        anyio.run(write)
        done.write_text("ok\n", encoding="utf-8")
    return library


def start_server(home: Path, library: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SEGUE_AUTH__ADMIN_PASSWORD": PASSWORD,
        # Background jobs (loudness, fingerprints) would compete with the browser.
        "SEGUE_EVENTS__RUN_CONSUMERS_IN_SERVER": "false",
    }
    log = (home / "serve.log").open("wb")
    command = [str(SEGUE), "serve", "--library", str(library), "--data-dir", str(home / "data")]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"segue serve exited; see {home / 'serve.log'}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("segue serve did not answer /api/v1/health within 90 s")


def wait_scanned(base_url: str, token: str, tracks: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (
            httpx.get(f"{base_url}/api/v1/tracks?limit=1", headers=headers).json()["total"]
            >= tracks
        ):
            return
        time.sleep(0.3)
    raise SystemExit("the demo library was not scanned within 120 s")


def baseline(base_url: str, runs: int) -> list[float]:
    samples = []
    with httpx.Client(base_url=base_url) as client:
        client.get("/")  # warm the connection and the server's file cache
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get("/")
            response.raise_for_status()
            samples.append(time.perf_counter() - started)
    return samples


# Records, in the page, when the first meaningful element became visible
# (milliseconds since the navigation started), without the driver's polling.
WATCH_READY = """
(selector) => {
  const seen = () => {
    const element = document.querySelector(selector);
    if (element && element.getClientRects().length && window.__readyAt === undefined) {
      window.__readyAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, {subtree: true, childList: true, attributes: true});
}
"""


class Render(NamedTuple):
    """One page's figures, in seconds, one sample per cold load."""

    wall: list[float]
    in_page: list[float]
    paint: list[float]


def first_render(
    browser: Browser, base_url: str, ready: str, token: str | None, runs: int
) -> Render:
    """Time to ``ready`` visible (driver's clock and page's clock) and First Contentful Paint."""
    figures = Render([], [], [])
    for _ in range(runs):
        context = browser.new_context(base_url=base_url)
        if token:
            context.add_init_script(f"localStorage.setItem('segue.token', {token!r})")
        context.add_init_script(f"({WATCH_READY})({ready!r})")
        page = context.new_page()
        started = time.perf_counter()
        page.goto("/", wait_until="commit")
        page.locator(ready).first.wait_for(state="visible", timeout=10_000)
        figures.wall.append(time.perf_counter() - started)
        page.wait_for_function("window.__readyAt !== undefined")
        figures.in_page.append(page.evaluate("window.__readyAt") / 1000)
        fcp = page.evaluate(
            "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"
        )
        figures.paint.append(fcp / 1000)
        context.close()
    return figures


def line(label: str, samples: list[float]) -> str:
    median = statistics.median(samples) * 1000
    return f"  {label:<44} median {median:8.1f} ms   max {max(samples) * 1000:8.1f} ms"


def main(runs: int, tracks: int) -> int:
    library = demo_library(tracks)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        process, base_url = start_server(Path(tmp), library)
        try:
            login = httpx.post(
                f"{base_url}/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}
            )
            login.raise_for_status()
            token: str = login.json()["token"]
            wait_scanned(base_url, token, tracks)
            raw = baseline(base_url, runs * 4)
            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                # One throwaway load: Chromium's own start-up is not the page's cost.
                first_render(browser, base_url, LOGIN_READY, None, 1)
                login_page = first_render(browser, base_url, LOGIN_READY, None, runs)
                home_page = first_render(browser, base_url, HOME_READY, token, runs)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=15)
    load = os.getloadavg()[0]
    print(f"Web player first render, {tracks}-track demo library, {runs} cold loads each")
    print(f"(load average {load:.1f} on {os.cpu_count()} cores: figures are for an idle machine)")
    print(line("baseline: index.html over httpx", raw))
    print(line("login form visible (driver clock)", login_page.wall))
    print(line("login form visible (page clock)", login_page.in_page))
    print(line("login page First Contentful Paint", login_page.paint))
    print(line("home view visible, logged in (driver clock)", home_page.wall))
    print(line("home view visible, logged in (page clock)", home_page.in_page))
    print(line("home page First Contentful Paint", home_page.paint))
    worst = max(statistics.median(login_page.wall), statistics.median(home_page.wall))
    verdict = "met" if worst < TARGET_S else "MISSED"
    print(f"\nTarget: first render < {TARGET_S:.0f} s: {verdict} ({worst * 1000:.0f} ms)")
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="cold page loads measured per page")
    parser.add_argument("--tracks", type=int, default=24, help="tracks in the demo library")
    args = parser.parse_args()
    sys.exit(main(args.runs, args.tracks))
