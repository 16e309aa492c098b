"""The Service Worker (sw.js) and the offline module (js/offline.js) in Chromium.

These drive the module's exported functions directly, so they hold whatever
the UI around them looks like; the UI's "Keep offline" toggle is tested in
test_player_offline.py.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page
from web_helpers import ConsoleGuard, OpenPage, Server, wait_view

pytestmark = pytest.mark.web

OFFLINE_JS = "/web/js/offline.js"


def _first_track(server: Server) -> dict[str, Any]:
    with server.api(server.admin) as api:
        page = api.get("/api/v1/tracks", params={"limit": 1, "sort": "title"}).json()
    track: dict[str, Any] = page["items"][0]
    return track


def _controlled_page(open_page: OpenPage, server: Server) -> Page:
    """A page of the app whose Service Worker is registered and in control."""
    page = open_page()
    page.add_init_script(f"localStorage.setItem('segue.token', {server.admin.token!r})")
    page.goto("/")
    wait_view(page, "home")
    # The app registered the worker at start; registering again (a no-op for
    # the worker) hands it what the page has loaded by now, home view included.
    page.evaluate(
        f"""async () => {{
            const offline = await import('{OFFLINE_JS}');
            await offline.registerServiceWorker();
        }}"""
    )
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return page


def _go_offline(page: Page, guard: ConsoleGuard) -> BrowserContext:
    # With the network off, Chromium logs each refused request (the app's
    # live WebSocket and its reconnects) as a console error: expected here.
    guard.allow("net::ERR_INTERNET_DISCONNECTED")
    guard.allow("WebSocket connection to")
    context = page.context
    context.set_offline(True)
    return context


def test_kept_track_is_served_with_ranges_when_offline(
    open_page: OpenPage, server: Server, console_guard: ConsoleGuard
) -> None:
    track = _first_track(server)
    page = _controlled_page(open_page, server)
    kept = page.evaluate(
        f"""async (track) => {{
            const offline = await import('{OFFLINE_JS}');
            await offline.markForOffline(track);
            return {{
                kept: await offline.isOffline(track.id),
                listed: (await offline.listOffline()).map((t) => t.id),
            }};
        }}""",
        track,
    )
    assert kept == {"kept": True, "listed": [track["id"]]}

    with server.api(server.admin) as api:
        original = api.get(track["stream_url"], params={"format": "ogg", "quality": "high"}).content
    _go_offline(page, console_guard)
    answer = page.evaluate(
        """async (url) => {
            const response = await fetch(url, {headers: {Range: 'bytes=100-1123'}});
            const bytes = new Uint8Array(await response.arrayBuffer());
            return {status: response.status, range: response.headers.get('content-range'),
                    offline: response.headers.get('x-segue-offline'), bytes: Array.from(bytes)};
        }""",
        f"{track['stream_url']}?format=ogg&quality=auto&token={server.admin.token}",
    )
    assert answer["status"] == 206
    assert answer["range"] == f"bytes 100-1123/{len(original)}"
    assert answer["offline"] == "1"
    assert (
        hashlib.sha256(bytes(answer["bytes"])).digest()
        == hashlib.sha256(original[100:1124]).digest()
    )

    # A range past the end is refused the way the server refuses it (and
    # Chromium logs that 416 answer as a failed resource).
    console_guard.allow("status of 416")
    beyond = page.evaluate(
        """async (url) => {
            const response = await fetch(url, {headers: {Range: 'bytes=99999999-'}});
            return [response.status, response.headers.get('content-range')];
        }""",
        f"{track['stream_url']}?token={server.admin.token}",
    )
    assert beyond == [416, f"bytes */{len(original)}"]


def test_kept_track_plays_in_an_audio_element_offline(
    open_page: OpenPage, server: Server, console_guard: ConsoleGuard
) -> None:
    track = _first_track(server)
    page = _controlled_page(open_page, server)
    page.evaluate(
        f"""async (track) => (await import('{OFFLINE_JS}')).markForOffline(track)""", track
    )
    _go_offline(page, console_guard)
    position = page.evaluate(
        """async (url) => {
            const audio = new Audio(url);
            audio.muted = true;
            await audio.play();
            await new Promise((resolve) => setTimeout(resolve, 1500));
            audio.currentTime = 5;  // a seek: a new Range request
            await new Promise((resolve) => audio.addEventListener('seeked', resolve, {once: true}));
            await new Promise((resolve) => setTimeout(resolve, 700));
            const at = audio.currentTime;
            audio.pause();
            return at;
        }""",
        f"{track['stream_url']}?format=ogg&quality=high&token={server.admin.token}",
    )
    assert position > 5.2


def test_removed_track_is_no_longer_kept(open_page: OpenPage, server: Server) -> None:
    track = _first_track(server)
    page = _controlled_page(open_page, server)
    states = page.evaluate(
        f"""async (track) => {{
            const offline = await import('{OFFLINE_JS}');
            await offline.markForOffline(track);
            const before = await offline.isOffline(track.id);
            const removed = await offline.removeOffline(track.id);
            return [before, removed, await offline.isOffline(track.id),
                    (await offline.listOffline()).length];
        }}""",
        track,
    )
    assert states == [True, True, False, 0]


def test_mark_for_offline_refuses_a_track_without_id(open_page: OpenPage, server: Server) -> None:
    page = _controlled_page(open_page, server)
    message = page.evaluate(
        f"""async () => {{
            const offline = await import('{OFFLINE_JS}');
            try {{ await offline.markForOffline({{title: 'no id'}}); return 'accepted'; }}
            catch (error) {{ return error.message; }}
        }}"""
    )
    assert "needs a track object" in message


def test_app_shell_opens_with_the_network_off(
    open_page: OpenPage, server: Server, console_guard: ConsoleGuard
) -> None:
    page = _controlled_page(open_page, server)
    online_title = page.title()
    with httpx.Client(base_url=server.base_url) as client:
        scripts = re.findall(r'src="(/web/[^"]+)"', client.get("/").text)
    _go_offline(page, console_guard)
    page.reload()
    assert page.title() == online_title
    for script in scripts:
        status = page.evaluate("async (url) => (await fetch(url)).status", script)
        assert status == 200, script


def test_offline_api_answers_are_kept_per_user(
    open_page: OpenPage, server: Server, console_guard: ConsoleGuard
) -> None:
    page = _controlled_page(open_page, server)
    page.reload()  # now controlled: the app's API reads go through the worker's cache
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.evaluate(
        "async (token) => fetch('/api/v1/me', {headers: {Authorization: `Bearer ${token}`}})",
        server.admin.token,
    )
    _go_offline(page, console_guard)
    console_guard.allow("status of 503")  # the other user's read: not in the cache, by design
    me = """async (token) => {
        const response = await fetch('/api/v1/me', {headers: {Authorization: `Bearer ${token}`}});
        return [response.status, response.status === 200 ? (await response.json()).name : null];
    }"""
    assert page.evaluate(me, server.admin.token) == [200, server.admin.name]
    # Another user's token never gets the admin's cached answer.
    assert page.evaluate(me, server.friend.token) == [503, None]

    # After clearApiCache() (on logout), nothing is left to read offline.
    page.evaluate(f"async () => (await import('{OFFLINE_JS}')).clearApiCache()")
    assert page.evaluate(me, server.admin.token) == [503, None]
