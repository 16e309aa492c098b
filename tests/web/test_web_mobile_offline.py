"""The phone-sized layout, and listening offline through the UI's "Keep offline" toggle."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from web_helpers import (
    ConsoleGuard,
    OpenPage,
    Screenshot,
    Server,
    audio_time,
    catalog,
    go,
    open_logged_in,
    track_rows,
    wait_position,
    wait_view,
)

pytestmark = pytest.mark.web

PHONE = (375, 812)


def test_phone_layout_has_no_horizontal_scroll(
    open_page: OpenPage, server: Server, screenshot: Screenshot
) -> None:
    album = catalog(server).albums[0]
    page = open_page("phone", viewport=PHONE)
    open_logged_in(page, server.admin, "/")
    wait_view(page, "home")
    screenshot(page, "phone-home")
    pages = [
        ("/albums", "albums"),
        (f"/albums/{album['id']}", "album"),
        ("/artists", "artists"),
        (f"/search?q={album['title'].split()[0]}", "search"),
        ("/playlists", "playlists"),
        ("/library", "library"),
        ("/history", "history"),
        ("/settings", "settings"),
        ("/admin", "admin"),
    ]
    for route, view in pages:
        go(page, route, view)
        widths = page.evaluate(
            "({page: document.documentElement.scrollWidth, view: window.innerWidth})"
        )
        assert widths["page"] <= widths["view"], f"{route} scrolls sideways: {widths}"
        if view == "album":
            screenshot(page, "phone-album")

    # The navigation and the friends sidebar fold behind buttons.
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Home")).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(navigation.get_by_role("link", name="Home")).to_be_visible()
    screenshot(page, "phone-menu")
    navigation.get_by_role("link", name="Albums").click()
    wait_view(page, "albums")
    expect(page.get_by_role("button", name="Friends")).to_be_visible()


def test_track_kept_offline_plays_with_the_network_off(
    open_page: OpenPage, server: Server, console_guard: ConsoleGuard
) -> None:
    album = catalog(server).albums[0]
    track = catalog(server).album_tracks(album["id"])[0]
    page = open_page()
    open_logged_in(page, server.friend, f"/albums/{album['id']}")
    wait_view(page, "album")
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    row = page.locator(f"main [data-testid=track-row][data-track-id='{track['id']}']")
    row.get_by_test_id("track-menu-button").click()
    keep = page.get_by_test_id("menu-offline")
    expect(keep).to_have_attribute("aria-checked", "false")
    keep.click()
    # The download (a rendition encoded on demand) takes a moment.
    deadline = time.monotonic() + 60  # generous: CI machines may be busy encoding
    kept = "async (id) => (await import('/web/js/offline.js')).isOffline(id)"
    while not page.evaluate(kept, track["id"]):
        assert time.monotonic() < deadline, "the track was not kept offline within 60 s"
        page.wait_for_timeout(200)
    go(page, "/offline", "offline")
    expect(track_rows(page)).to_have_count(1)

    # With the network off, Chromium logs each refused request (the live
    # WebSocket's reconnects) and each API answer the worker does not have
    # (503 from sw.js) as console errors: expected while offline.
    console_guard.allow("net::ERR_INTERNET_DISCONNECTED")
    console_guard.allow("WebSocket connection to")
    console_guard.allow("status of 503")
    page.context.set_offline(True)
    page.reload()
    wait_view(page, "offline")
    expect(track_rows(page)).to_have_count(1)
    track_rows(page).first.get_by_test_id("track-play").click()
    wait_position(page, 1000)
    before = audio_time(page)
    page.wait_for_timeout(800)
    assert audio_time(page) > before + 0.3
