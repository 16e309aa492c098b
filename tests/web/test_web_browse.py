"""Logging in, browsing and searching in the web player (issue #9: "What a listener can do")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from web_helpers import (
    ConsoleGuard,
    OpenPage,
    Screenshot,
    Server,
    catalog,
    go,
    log_in_with_form,
    open_logged_in,
    track_rows,
    wait_view,
)

pytestmark = pytest.mark.web


def test_login_form_logs_in_and_out(
    open_page: OpenPage, server: Server, console_guard: ConsoleGuard, screenshot: Screenshot
) -> None:
    page = open_page()
    page.goto("/")
    expect(page.locator("#app")).to_have_attribute("data-state", "login")
    form = page.get_by_role("form", name="Log in")
    screenshot(page, "login")

    # The refused login is a 401 answer, which Chromium logs as a failed resource.
    console_guard.allow("status of 401")
    form.get_by_role("textbox", name="User name").fill(server.admin.name)
    form.get_by_label("Password").fill("not-the-password")
    form.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page.locator("#app")).to_have_attribute("data-state", "login")

    log_in_with_form(page, server.admin)
    wait_view(page, "home")
    token = page.evaluate("localStorage.getItem('segue.token')")
    assert token
    screenshot(page, "home")

    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    expect(page.locator("#app")).to_have_attribute("data-state", "login")
    assert page.evaluate("localStorage.getItem('segue.token')") is None
    with server.api(server.admin) as api:
        refused = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401  # logging out revoked the token


def test_home_lists_recently_added_albums_with_covers(open_page: OpenPage, server: Server) -> None:
    page = open_page()
    open_logged_in(page, server.admin)
    wait_view(page, "home")
    cards = page.get_by_test_id("album-card")
    expect(cards.first).to_be_visible()
    albums = catalog(server).albums
    assert cards.count() == len(albums)
    # Covers load (they need the token in the URL: <img> cannot send headers).
    page.wait_for_function(
        "[...document.querySelectorAll('main img')].some((img) => img.complete && img.naturalWidth > 0)"
    )


def test_album_and_artist_pages(
    open_page: OpenPage, server: Server, screenshot: Screenshot
) -> None:
    album = catalog(server).albums[0]
    page = open_page()
    open_logged_in(page, server.admin, "/albums")
    wait_view(page, "albums")
    page.get_by_test_id("album-card").filter(has_text=album["title"]).first.click()
    wait_view(page, "album")
    expect(page.get_by_role("heading", level=1)).to_have_text(album["title"])
    cover = page.get_by_role("img", name=f"Cover of {album['title']}")
    expect(cover).to_be_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=cover.element_handle()
    )
    titles = [t["title"] for t in catalog(server).album_tracks(album["id"])]
    expect(track_rows(page).get_by_test_id("track-title")).to_have_text(titles)
    screenshot(page, "album")

    go(page, f"/artists/{album['artist_id']}", "artist")
    expect(page.get_by_role("heading", level=1)).to_have_text(album["artist_name"])
    go(page, "/genres", "genres")
    expect(page.get_by_test_id("genre-card").first).to_be_visible()


def test_search_as_you_type_groups_results(
    open_page: OpenPage, server: Server, screenshot: Screenshot
) -> None:
    track = catalog(server).tracks[0]
    word = track["title"].split()[0]
    page = open_page()
    open_logged_in(page, server.admin)
    wait_view(page, "home")

    page.keyboard.press("/")  # the shortcut focuses the search box
    search = page.get_by_role("searchbox", name="Search")
    expect(search).to_be_focused()
    page.keyboard.type(word[:-1], delay=40)
    page.keyboard.type(word[-1])
    expect(page).to_have_url(re.compile(r"#/search\?q="))
    wait_view(page, "search")
    for group in ("Tracks", "Artists", "Albums", "Playlists"):
        expect(page.get_by_role("region", name=group)).to_be_visible()
    hits = page.get_by_test_id("results-tracks").get_by_test_id("track-title")
    expect(hits.filter(has_text=track["title"]).first).to_be_visible()
    screenshot(page, "search")

    search.fill("zzzzqqqq")
    expect(page.get_by_test_id("results-tracks")).to_contain_text("No tracks")
