"""What the web end-to-end tests share: the test server, its accounts, the console guard, UI steps.

(A module of its own, not conftest.py: test modules import it by name.)
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
from playwright.sync_api import ConsoleMessage, Error, Locator, Page, expect

REPO = Path(__file__).resolve().parents[2]
SEGUE = Path(sys.executable).with_name("segue")
CHROMIUM = os.environ.get("SEGUE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    # The suite runs as root in a container: Chromium's sandbox needs user namespaces.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Tests start playback without a click; audio is decoded but not heard.
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
ADMIN_NAME = "admin"
ADMIN_PASSWORD = "admin-password-for-e2e"
FRIEND_NAME = "friend"
FRIEND_PASSWORD = "friend-password-for-e2e"
DEMO_TRACKS = 8
# Long enough to seek and hand off mid-track, short enough to generate fast.
DEMO_MAX_SECONDS = 30.0
SERVER_START_TIMEOUT_S = 90.0

OpenPage = Callable[..., Page]
"""``open_page(label="main", viewport=(w, h)) -> Page`` (the fixture)."""
Screenshot = Callable[[Page, str], Path]
"""``screenshot(page, name) -> Path`` (the fixture)."""


@dataclass(frozen=True)
class Account:
    """A user of the test server."""

    name: str
    password: str
    token: str
    user_id: str
    user_json: str
    """The user record the login answered (what the app keeps in ``segue.user``)."""


@dataclass
class Server:
    """The running ``segue serve`` and its accounts."""

    base_url: str
    admin: Account
    friend: Account
    library: Path
    data_dir: Path
    log_path: Path

    def api(self, account: Account) -> httpx.Client:
        """An HTTP client authenticated as ``account`` (close it, or use ``with``)."""
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {account.token}"},
            timeout=30,
        )


def demo_library(cache: Path) -> Path:
    """The demo library, generated once and kept under .cache/ (it is read-only input)."""
    # Imported by name: the plugin's package is not on mypy's path (tests are checked alone).
    write_demo_library = importlib.import_module("segue_catalog_filesystem.demo").write_demo_library

    library = cache / f"library-{DEMO_TRACKS}x{int(DEMO_MAX_SECONDS)}s"
    done = library / ".complete"
    if not done.exists():
        shutil.rmtree(library, ignore_errors=True)

        async def write() -> None:
            await write_demo_library(library, tracks=DEMO_TRACKS, max_seconds=DEMO_MAX_SECONDS)

        # In a thread of its own: Playwright's sync API may own this thread's event loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(anyio.run, write).result()
        done.write_text("ok\n", encoding="utf-8")
    return library


def server_config(data_dir: Path, library: Path) -> str:
    return (
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f'[library]\npaths = ["{library}"]\n\n'
        f'[auth]\nadmin_user = "{ADMIN_NAME}"\n'
        # Every test logs in through the form: the default limit would trip.
        "login_attempts_per_minute = 1000\n\n"
        "[events]\nrun_consumers_in_server = true\n\n"
        # Friends' activity is pushed as soon as it changes, not coalesced for 5 s.
        "[plugins.presence-memory]\nmin_update_interval_s = 0.0\n"
    )


def wait_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"segue serve exited ({process.returncode}):\n{log_tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"segue serve did not answer /api/v1/health in time:\n{log_tail(log_path)}")


def log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def api_login(base_url: str, name: str, password: str) -> Account:
    response = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"username": name, "password": password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Account(name, password, body["token"], body["user"]["id"], json.dumps(body["user"]))


def wait_scanned(base_url: str, admin: Account) -> None:
    """Wait until the startup scan has catalogued and indexed the demo library."""
    headers = {"Authorization": f"Bearer {admin.token}"}
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        tracks = httpx.get(f"{base_url}/api/v1/tracks?limit=1", headers=headers).json()
        if tracks.get("total") == DEMO_TRACKS:
            found = httpx.get(f"{base_url}/api/v1/search?q=a", headers=headers)
            if found.status_code == 200 and found.json().get("tracks"):
                return
        time.sleep(0.3)
    raise RuntimeError("the demo library was not scanned and indexed in time")


@dataclass
class ConsoleGuard:
    """Console errors and uncaught exceptions seen on the pages of one test."""

    problems: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def watch(self, page: Page, label: str) -> None:
        """Record ``page``'s console errors and page errors, tagged with ``label``."""

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self._record(f"[{label}] console error: {message.text} ({message.location})")

        def on_page_error(error: Error) -> None:
            self._record(f"[{label}] uncaught: {error.message}\n{error.stack}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)

    def allow(self, fragment: str) -> None:
        """Expect errors containing ``fragment`` for the rest of this test (say why at the call)."""
        self.allowed.append(fragment)

    def _record(self, text: str) -> None:
        if not any(fragment in text for fragment in self.allowed):
            self.problems.append(text)


@dataclass(frozen=True)
class Catalog:
    """What the test server's catalog holds, read through the API once."""

    tracks: list[dict[str, Any]]
    """Every track, by title."""
    albums: list[dict[str, Any]]
    """Every album, those with the most tracks first."""

    def album_tracks(self, album_id: str) -> list[dict[str, Any]]:
        """An album's tracks in album order."""
        tracks = [t for t in self.tracks if t["album_id"] == album_id]
        return sorted(tracks, key=lambda t: (t["disc_number"] or 0, t["track_number"] or 0))


_catalogs: dict[str, Catalog] = {}


def catalog(server: Server) -> Catalog:
    """The test server's catalog (read once per session)."""
    if server.base_url not in _catalogs:
        with server.api(server.admin) as api:
            tracks = api.get("/api/v1/tracks", params={"limit": 500, "sort": "title"}).json()
            albums = api.get("/api/v1/albums", params={"limit": 500, "sort": "title"}).json()
        by_size = sorted(albums["items"], key=lambda a: -int(a["track_count"]))
        _catalogs[server.base_url] = Catalog(tracks["items"], by_size)
    return _catalogs[server.base_url]


# --- steps in the UI (names and test ids from web/TESTIDS.md) ---


def log_in_with_form(page: Page, account: Account) -> None:
    """Open the app and log in through the login form."""
    page.goto("/")
    form = page.get_by_role("form", name="Log in")
    form.get_by_role("textbox", name="User name").fill(account.name)
    form.get_by_label("Password").fill(account.password)
    form.get_by_role("button", name="Log in").click()
    expect(page.locator("#app")).to_have_attribute("data-state", "ready")


def open_logged_in(page: Page, account: Account, route: str = "/") -> None:
    """Open the app at ``#<route>`` with ``account``'s token already stored (no login form)."""
    page.add_init_script(
        "if (!localStorage.getItem('segue.token')) {"
        f" localStorage.setItem('segue.token', {json.dumps(account.token)});"
        f" localStorage.setItem('segue.user', {json.dumps(account.user_json)}); }}"
    )
    page.goto(f"/#{route}")
    expect(page.locator("#app")).to_have_attribute("data-state", "ready")


def go(page: Page, route: str, view: str) -> None:
    """Follow hash route ``route`` and wait until view ``view`` shows its data."""
    page.evaluate("(route) => { location.hash = route; }", route)
    wait_view(page, view)


def wait_view(page: Page, view: str) -> None:
    """Wait until ``main`` shows view ``view`` with its data loaded."""
    main = page.locator("main")
    expect(main).to_have_attribute("data-view", view)
    expect(main).not_to_have_attribute("aria-busy", "true")


def player_state(page: Page) -> dict[str, Any]:
    """The player's debug state (``window.segue.state()``)."""
    state: dict[str, Any] = page.evaluate("window.segue.state()")
    return state


def wait_position(page: Page, above_ms: float, timeout_ms: float = 10_000) -> None:
    """Wait until the player is playing past ``above_ms``."""
    page.wait_for_function(
        "(above) => { const s = window.segue.state(); return !s.paused && s.positionMs > above; }",
        arg=above_ms,
        timeout=timeout_ms,
    )


def audio_time(page: Page) -> float:
    """The largest ``currentTime`` of the page's playing <audio> elements, in seconds."""
    seconds: float = page.evaluate(
        "Math.max(0, ...[...document.querySelectorAll('audio')]"
        ".filter((a) => !a.paused).map((a) => a.currentTime))"
    )
    return seconds


def track_rows(page: Page) -> Locator:
    """The track rows of the current view."""
    return page.locator("main [data-testid=track-row]")
