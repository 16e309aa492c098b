"""Friends' live activity, the private session, and handing playback between devices."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from web_helpers import (
    OpenPage,
    Screenshot,
    Server,
    api_login,
    catalog,
    open_logged_in,
    player_state,
    track_rows,
    wait_position,
    wait_view,
)

pytestmark = pytest.mark.web


def _wait_device(page: Page) -> str:
    """Wait until the page registered as a device over the WebSocket; answers its id."""
    page.wait_for_function("window.segue.state().deviceId !== null")
    device_id: str = player_state(page)["deviceId"]
    return device_id


def test_friends_see_activity_live_and_a_private_session_hides_it(
    open_page: OpenPage, friends: Server, screenshot: Screenshot
) -> None:
    server = friends
    album = catalog(server).albums[0]
    first = catalog(server).album_tracks(album["id"])[0]
    listener = open_page("listener")
    open_logged_in(listener, server.admin, f"/albums/{album['id']}")
    wait_view(listener, "album")
    watcher = open_page("friend")
    open_logged_in(watcher, server.friend, "/")
    sidebar = watcher.get_by_role("complementary", name="Friends")
    entry = sidebar.locator(f"[data-testid=friend-entry][data-user-id='{server.admin.user_id}']")
    try:
        track_rows(listener).first.get_by_test_id("track-play").click()
        wait_position(listener, 300)
        # Pushed over the WebSocket: no reload on the friend's side.
        expect(entry.get_by_test_id("friend-track")).to_contain_text(first["title"])
        expect(entry.get_by_test_id("friend-name")).to_have_text(server.admin.name)
        screenshot(watcher, "friends-sidebar")

        private = listener.get_by_role("switch", name="Private session")
        private.click()
        expect(private).to_have_attribute("aria-checked", "true")
        expect(entry).to_have_count(0)
        listener.get_by_role("button", name="Privacy settings").click()
        dialog = listener.get_by_role("dialog", name="Privacy settings")
        expect(dialog.get_by_role("checkbox", name="Private session")).to_be_checked()
        expect(dialog.get_by_role("checkbox", name="Share my listening activity")).to_be_visible()
        listener.keyboard.press("Escape")
        with server.api(server.friend) as api:
            feed = api.get("/api/v1/friends/activity").json()
        assert server.admin.user_id not in str(feed)
    finally:
        with server.api(server.admin) as api:
            api.put("/api/v1/me/privacy", json={"private_session": False})


def test_handoff_moves_playback_to_another_device(open_page: OpenPage, server: Server) -> None:
    album = catalog(server).albums[0]
    phone = open_page("phone")
    open_logged_in(phone, server.friend, f"/albums/{album['id']}")
    desktop = open_page("desktop")
    open_logged_in(desktop, server.friend, "/")
    wait_view(phone, "album")
    _wait_device(phone)
    desktop_id = _wait_device(desktop)

    phone.get_by_test_id("play-album").click()
    wait_position(phone, 2500)
    playing = player_state(phone)["trackId"]

    phone.get_by_role("button", name="Devices").click()
    picker = phone.get_by_role("dialog", name="Devices")
    picker.locator(f"[data-testid=device-option][data-device-id='{desktop_id}']").click()

    # The desktop takes over the same track near the same position; the phone stops.
    wait_position(desktop, 2000)
    assert player_state(desktop)["trackId"] == playing
    phone.wait_for_function("window.segue.state().paused === true")
    expect(desktop.get_by_test_id("play-pause")).to_have_attribute("data-state", "playing")

    # The desktop obeys a remote command (from the API, as another client sends it).
    with server.api(server.friend) as api:
        sent = api.post(
            "/api/v1/me/player/commands", json={"command": "pause", "device_id": desktop_id}
        )
        assert sent.status_code == 200, sent.text
    expect(desktop.get_by_test_id("play-pause")).to_have_attribute("data-state", "paused")


def test_friend_request_sent_and_accepted_in_the_sidebar(
    open_page: OpenPage, server: Server
) -> None:
    name = f"newcomer-{uuid.uuid4().hex[:6]}"
    with server.api(server.admin) as api:
        created = api.post(
            "/api/v1/admin/users", json={"name": name, "password": "newcomer-password"}
        )
        assert created.status_code == 201, created.text
    newcomer = api_login(server.base_url, name, "newcomer-password")

    asker = open_page("newcomer")
    open_logged_in(asker, newcomer, "/")
    sidebar = asker.get_by_role("complementary", name="Friends")
    sidebar.get_by_role("textbox", name="Friend's user name").fill(server.admin.name)
    sidebar.get_by_role("button", name="Send friend request").click()
    expect(sidebar.get_by_test_id("friend-request")).to_contain_text(f"Sent to {server.admin.name}")

    answerer = open_page("admin")
    open_logged_in(answerer, server.admin, "/")
    request = answerer.get_by_test_id("friend-request").filter(has_text=name)
    request.get_by_role("button", name="Accept").click()
    expect(request).to_have_count(0)
    with server.api(server.admin) as api:
        friends = api.get("/api/v1/friends").json()
    assert newcomer.user_id in {f["user_id"] for f in friends}
