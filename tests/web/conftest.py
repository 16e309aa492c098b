"""Fixtures for the web player's end-to-end suite: a real server, a real browser.

One ``segue serve`` subprocess (demo library, tmp data dir, free port) and one
headless Chromium (Debian's ``/usr/bin/chromium``) serve the whole session;
each test gets fresh browser contexts (separate storage, like separate
people or devices) from ``open_page``. Every page is watched for console
errors and uncaught exceptions: a test fails at teardown if one happened.

Screenshots go to ``$SEGUE_SCREENSHOTS`` (default ``.cache/screenshots/``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from net_helpers import free_port
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from process_helpers import stop_process
from web_helpers import (
    ADMIN_NAME,
    ADMIN_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    FRIEND_NAME,
    FRIEND_PASSWORD,
    REPO,
    SEGUE,
    ConsoleGuard,
    OpenPage,
    Screenshot,
    Server,
    api_login,
    demo_library,
    server_config,
    wait_ready,
    wait_scanned,
)

# The machine running the suite may be busy: wait longer than Playwright's 5 s
# before calling an expectation missed (a passing one returns as soon as it holds).
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real ``segue serve`` on a free port, with the demo library, an admin and a second user."""
    home = tmp_path_factory.mktemp("web-e2e")
    library = demo_library(REPO / ".cache" / "web-e2e")
    data_dir = home / "data"
    config = home / "segue.toml"
    config.write_text(server_config(data_dir, library), encoding="utf-8")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = home / "serve.log"
    env = {**os.environ, "SEGUE_AUTH__ADMIN_PASSWORD": ADMIN_PASSWORD}
    command = [str(SEGUE), "serve", "--config", str(config), "--host", "127.0.0.1"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env
        )
    try:
        wait_ready(base_url, process, log_path)
        admin = api_login(base_url, ADMIN_NAME, ADMIN_PASSWORD)
        created = httpx.post(
            f"{base_url}/api/v1/admin/users",
            json={"name": FRIEND_NAME, "password": FRIEND_PASSWORD, "is_admin": False},
            headers={"Authorization": f"Bearer {admin.token}"},
        )
        assert created.status_code == 201, created.text
        friend = api_login(base_url, FRIEND_NAME, FRIEND_PASSWORD)
        wait_scanned(base_url, admin)
        yield Server(base_url, admin, friend, library, data_dir, log_path)
    finally:
        stop_process(process, timeout=15)


@pytest.fixture(scope="module")
def playwright(server: Server) -> Iterator[Playwright]:
    """Playwright's driver, per test module: its sync API runs an event loop in this
    thread, which must be gone before any anyio test of another folder runs."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium per test module (Debian's; nothing is downloaded)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (set SEGUE_CHROMIUM to its path)")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def console_guard() -> ConsoleGuard:
    """The console-error guard of the current test (``allow()`` expected errors)."""
    return ConsoleGuard()


@pytest.fixture
def open_page(browser: Browser, server: Server, console_guard: ConsoleGuard) -> Iterator[OpenPage]:
    """``open_page(label="main", viewport=(w, h)) -> Page``: a page in a new browser context.

    Each call is a new context (its own storage: another person or device).
    The page's base URL is the test server. Console errors and uncaught
    exceptions on any of them fail the test at teardown.
    """
    contexts: list[BrowserContext] = []

    def open_new(label: str = "main", viewport: tuple[int, int] = (1280, 800)) -> Page:
        context = browser.new_context(
            base_url=server.base_url,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        console_guard.watch(page, label)
        return page

    yield open_new
    for context in contexts:
        context.close()
    if console_guard.problems:
        pytest.fail("the browser reported errors:\n" + "\n".join(console_guard.problems))


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where screenshots go: ``$SEGUE_SCREENSHOTS`` or ``.cache/screenshots/`` in the repo."""
    target = Path(os.environ.get("SEGUE_SCREENSHOTS") or REPO / ".cache" / "screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def screenshot(screenshot_dir: Path) -> Screenshot:
    """``screenshot(page, "name") -> path``: a full-page PNG named ``name.png``."""

    def take(page: Page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def friends(server: Server) -> Server:
    """The server, with its admin and second user made friends (through the API)."""
    with server.api(server.admin) as admin, server.api(server.friend) as friend:
        listed = friend.get("/api/v1/friends").json()
        if not any(f["user_id"] == server.admin.user_id for f in listed):
            sent = admin.post("/api/v1/friends/requests", json={"username": server.friend.name})
            assert sent.status_code == 201, sent.text
            accepted = friend.post(f"/api/v1/friends/requests/{sent.json()['id']}/accept")
            assert accepted.status_code in (200, 201, 204), accepted.text
    return server
