"""Library (saves, history) and the admin pages of the web player."""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import expect
from web_helpers import (
    OpenPage,
    Screenshot,
    Server,
    catalog,
    go,
    open_logged_in,
    track_rows,
    wait_position,
    wait_view,
)

pytestmark = pytest.mark.web


def test_saving_tracks_and_albums_fills_the_library(open_page: OpenPage, server: Server) -> None:
    album = catalog(server).albums[1]
    track = catalog(server).album_tracks(album["id"])[0]
    page = open_page()
    open_logged_in(page, server.friend, f"/albums/{album['id']}")
    wait_view(page, "album")
    save_track = track_rows(page).first.get_by_test_id("track-save")
    save_track.click()
    expect(save_track).to_have_attribute("aria-pressed", "true")
    save_album = page.get_by_test_id("save-album")
    save_album.click()
    expect(save_album).to_have_attribute("aria-pressed", "true")

    go(page, "/library/tracks", "library")
    expect(page.get_by_role("tab", name="Tracks")).to_have_attribute("aria-selected", "true")
    expect(
        page.locator(f"main [data-testid=track-row][data-track-id='{track['id']}']")
    ).to_be_visible()
    go(page, "/library/albums", "library")
    expect(page.get_by_test_id("album-card").filter(has_text=album["title"])).to_be_visible()
    with server.api(server.friend) as api:
        saved = api.get("/api/v1/library", params={"kind": "track"}).json()
    assert track["id"] in str(saved)


def test_history_lists_what_was_played(open_page: OpenPage, server: Server) -> None:
    album = catalog(server).albums[0]
    first = catalog(server).album_tracks(album["id"])[0]
    page = open_page()
    open_logged_in(page, server.friend, f"/albums/{album['id']}")
    wait_view(page, "album")
    page.get_by_test_id("play-album").click()
    wait_position(page, 1800)
    page.get_by_role("button", name="Next").click()  # leaving the track sends its report
    played = page.locator(f"main [data-testid=history-item][data-track-id='{first['id']}']")
    # Reports are recorded by a background consumer: look again until it is there.
    deadline = time.monotonic() + 20
    while True:
        go(page, "/history", "history")
        if played.count() or time.monotonic() > deadline:
            break
        go(page, "/", "home")
        page.wait_for_timeout(500)
    expect(played.first).to_be_visible()


def test_admin_pages_render(open_page: OpenPage, server: Server, screenshot: Screenshot) -> None:
    page = open_page()
    open_logged_in(page, server.admin, "/admin")
    wait_view(page, "admin")
    for name in ("Scan", "Plugins", "Users", "Transcoding", "Duplicates", "Royalties"):
        region = page.get_by_role("region", name=name)
        expect(region).to_be_visible()
        expect(region.locator("[aria-busy=true]")).to_have_count(0)
        expect(region).not_to_contain_text("Could not load")
    expect(page.get_by_test_id("scan-status")).to_contain_text("Last scan")
    page.get_by_role("button", name="Scan now").click()
    expect(page.get_by_test_id("toast").filter(has_text="Scan started")).to_be_visible()
    plugins = page.get_by_test_id("plugins-table")
    for plugin in ("transcoder", "royalties", "web"):
        expect(plugins).to_contain_text(plugin)
    users = page.get_by_test_id("users-table")
    expect(users).to_contain_text(server.admin.name)
    expect(users).to_contain_text(server.friend.name)
    expect(page.get_by_test_id("transcoder-status")).to_be_visible()
    screenshot(page, "admin")

    royalties = page.get_by_role("region", name="Royalties")
    royalties.get_by_role("button", name="Show report").click()
    expect(page.get_by_test_id("royalties-total")).to_contain_text("counted streams")
    expect(page.get_by_test_id("royalties-table")).to_be_visible()

    name = f"newcomer-{uuid.uuid4().hex[:6]}"
    page.get_by_role("textbox", name="New user name").fill(name)
    page.get_by_label("New user password").fill("a-long-enough-password")
    page.get_by_role("button", name="Create user").click()
    expect(users).to_contain_text(name)


def test_admin_link_is_for_admins_only(open_page: OpenPage, server: Server) -> None:
    page = open_page()
    open_logged_in(page, server.friend, "/")
    wait_view(page, "home")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Home")).to_be_visible()
    expect(navigation.get_by_role("link", name="Admin")).to_have_count(0)
