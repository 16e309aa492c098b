"""Playlists in the web player: create, add, rename, reorder, remove, and live collaborative edits."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from web_helpers import (
    OpenPage,
    Screenshot,
    Server,
    catalog,
    go,
    open_logged_in,
    track_rows,
    wait_view,
)

pytestmark = pytest.mark.web


def _add_to_playlist(page: Page, track_id: str, playlist: str) -> None:
    """Add a track of the current page to ``playlist`` through its row menu."""
    row = page.locator(f"main [data-testid=track-row][data-track-id='{track_id}']")
    row.get_by_test_id("track-menu-button").click()
    menu = page.get_by_role("menu", name="Track actions")
    menu.get_by_role("menuitem", name="Add to playlist…").click()
    menu.get_by_role("menuitem", name=playlist, exact=True).click()
    expect(menu).to_be_hidden()


def _entry_menu(page: Page, index: int, action: str) -> None:
    track_rows(page).nth(index).get_by_test_id("track-menu-button").click()
    page.get_by_role("menu", name="Track actions").get_by_role("menuitem", name=action).click()


def test_create_fill_rename_reorder_and_remove(
    open_page: OpenPage, server: Server, screenshot: Screenshot
) -> None:
    name = f"Road trip {uuid.uuid4().hex[:6]}"
    album = catalog(server).albums[0]
    tracks = catalog(server).album_tracks(album["id"])[:2]
    page = open_page()
    open_logged_in(page, server.admin, "/playlists")
    wait_view(page, "playlists")
    page.get_by_role("textbox", name="New playlist name").fill(name)
    page.get_by_role("button", name="Create playlist").click()
    wait_view(page, "playlist")
    expect(page.get_by_test_id("playlist-name")).to_have_text(name)
    playlist_id = page.url.rsplit("/", 1)[-1]

    go(page, f"/albums/{album['id']}", "album")
    for track in tracks:
        _add_to_playlist(page, track["id"], name)
    go(page, f"/playlists/{playlist_id}", "playlist")
    rows = track_rows(page)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-track-id", tracks[0]["id"])

    page.get_by_role("button", name="Rename").click()
    renamed = f"{name} (renamed)"
    page.get_by_role("textbox", name="Playlist name").fill(renamed)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("playlist-name")).to_have_text(renamed)

    _entry_menu(page, 0, "Move down")
    expect(rows.nth(0)).to_have_attribute("data-track-id", tracks[1]["id"])
    expect(rows.nth(1)).to_have_attribute("data-track-id", tracks[0]["id"])
    screenshot(page, "playlist")

    _entry_menu(page, 0, "Remove from playlist")
    expect(rows).to_have_count(1)

    # Drag a track from an album page onto the playlist in the sidebar.
    other = catalog(server).albums[1]
    dragged = catalog(server).album_tracks(other["id"])[0]
    go(page, f"/albums/{other['id']}", "album")
    source = page.locator(f"main [data-testid=track-row][data-track-id='{dragged['id']}']")
    target = page.get_by_test_id("sidebar-playlist").filter(has_text=renamed)
    source.drag_to(target)
    go(page, f"/playlists/{playlist_id}", "playlist")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_have_attribute("data-track-id", dragged["id"])

    with server.api(server.admin) as api:
        stored = api.get(f"/api/v1/playlists/{playlist_id}/tracks").json()
        info = api.get(f"/api/v1/playlists/{playlist_id}").json()
    assert [e["track"]["id"] for e in stored["items"]] == [tracks[0]["id"], dragged["id"]]
    assert info["name"] == renamed


def test_collaborator_edits_appear_live(open_page: OpenPage, friends: Server) -> None:
    server = friends
    track_ids = [t["id"] for t in catalog(server).tracks[:3]]
    with server.api(server.admin) as api:
        created = api.post(
            "/api/v1/playlists",
            json={
                "name": f"Shared {uuid.uuid4().hex[:6]}",
                "collaborative": True,
                "track_ids": track_ids,
            },
        )
        assert created.status_code == 201, created.text
        playlist_id = created.json()["id"]
        added = api.put(f"/api/v1/playlists/{playlist_id}/collaborators/{server.friend.user_id}")
        assert added.status_code == 200, added.text

    owner = open_page("owner")
    open_logged_in(owner, server.admin, f"/playlists/{playlist_id}")
    wait_view(owner, "playlist")
    collaborator = open_page("collaborator")
    open_logged_in(collaborator, server.friend, f"/playlists/{playlist_id}")
    wait_view(collaborator, "playlist")
    expect(track_rows(owner)).to_have_count(3)
    expect(track_rows(collaborator)).to_have_count(3)

    # The collaborator removes the first entry; the owner's page follows without a reload.
    _entry_menu(collaborator, 0, "Remove from playlist")
    expect(track_rows(collaborator)).to_have_count(2)
    expect(track_rows(owner)).to_have_count(2)
    expect(track_rows(owner).first).to_have_attribute("data-track-id", track_ids[1])

    # And the other way round: the owner moves an entry, the collaborator sees it.
    _entry_menu(owner, 0, "Move down")
    expect(track_rows(collaborator).first).to_have_attribute("data-track-id", track_ids[2])
