"""Playing music in the web player: play, seek, next/previous, queue, quality, keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from web_helpers import (
    OpenPage,
    Screenshot,
    Server,
    audio_time,
    catalog,
    go,
    open_logged_in,
    player_state,
    track_rows,
    wait_position,
    wait_view,
)

pytestmark = pytest.mark.web


def _start_album(page: Page, server: Server) -> list[str]:
    """Open the biggest album and play it; answers its track ids in order."""
    album = catalog(server).albums[0]
    open_logged_in(page, server.admin, f"/albums/{album['id']}")
    wait_view(page, "album")
    page.get_by_test_id("play-album").click()
    wait_position(page, 300)
    return [t["id"] for t in catalog(server).album_tracks(album["id"])]


def test_playing_a_track_advances_the_audio_clock(
    open_page: OpenPage, server: Server, screenshot: Screenshot
) -> None:
    album = catalog(server).albums[0]
    first = catalog(server).album_tracks(album["id"])[0]
    page = open_page()
    open_logged_in(page, server.admin, f"/albums/{album['id']}")
    wait_view(page, "album")
    track_rows(page).first.get_by_test_id("track-play").click()
    expect(page.get_by_test_id("now-playing-title")).to_have_text(first["title"])
    expect(page.get_by_test_id("play-pause")).to_have_attribute("data-state", "playing")
    wait_position(page, 500)
    before = audio_time(page)
    page.wait_for_timeout(1200)
    assert audio_time(page) > before + 0.5  # the <audio> element really plays
    assert player_state(page)["trackId"] == first["id"]
    screenshot(page, "now-playing")


def test_seek_slider_moves_playback(open_page: OpenPage, server: Server) -> None:
    page = open_page()
    _start_album(page, server)
    page.get_by_role("slider", name="Seek").fill("12")
    page.wait_for_function(
        "() => { const s = window.segue.state(); return !s.paused && s.positionMs > 12000; }"
    )
    assert 11.5 < audio_time(page) < 20
    expect(page.get_by_test_id("time-elapsed")).to_contain_text("0:1")


def test_next_and_previous_follow_the_queue(open_page: OpenPage, server: Server) -> None:
    page = open_page()
    ids = _start_album(page, server)
    assert len(ids) >= 2, "the biggest demo album has several tracks"
    # The next track is loaded ahead in the second <audio> (near-gapless changes).
    page.wait_for_function("(id) => window.segue.state().prefetchedTrackId === id", arg=ids[1])
    page.get_by_role("button", name="Next").click()
    page.wait_for_function("(id) => window.segue.state().trackId === id", arg=ids[1])
    wait_position(page, 200)
    page.get_by_role("button", name="Previous").click()
    page.wait_for_function("(id) => window.segue.state().trackId === id", arg=ids[0])


def test_queue_panel_adds_reorders_and_removes(
    open_page: OpenPage, server: Server, screenshot: Screenshot
) -> None:
    page = open_page()
    ids = _start_album(page, server)
    others = [t for t in catalog(server).tracks if t["id"] not in ids]
    extra = others[0]

    page.get_by_role("button", name="Queue").click()
    panel = page.get_by_test_id("queue-panel")
    expect(panel).to_be_visible()
    items = panel.get_by_test_id("queue-item")
    expect(items).to_have_count(len(ids) - 1)

    # "Add to queue" from a track's menu on another page puts it last.
    go(page, f"/albums/{extra['album_id']}", "album")
    row = page.locator(f"main [data-testid=track-row][data-track-id='{extra['id']}']")
    row.get_by_test_id("track-menu-button").click()
    page.get_by_role("menu", name="Track actions").get_by_role(
        "menuitem", name="Add to queue"
    ).click()
    expect(items).to_have_count(len(ids))
    expect(items.last).to_have_attribute("data-track-id", extra["id"])
    screenshot(page, "now-playing-queue")

    # Move it up one place, then remove it.
    panel.get_by_role("button", name=f"Move up {extra['title']}").click()
    expect(items.nth(len(ids) - 2)).to_have_attribute("data-track-id", extra["id"])
    panel.get_by_role("button", name=f"Remove from queue {extra['title']}").click()
    expect(items).to_have_count(len(ids) - 1)
    assert extra["id"] not in player_state(page)["queue"]


def test_quality_change_keeps_playing(open_page: OpenPage, server: Server) -> None:
    page = open_page()
    _start_album(page, server)
    wait_position(page, 1500)
    track_before = player_state(page)["trackId"]
    page.get_by_role("combobox", name="Quality").select_option("low")
    expect(page.get_by_test_id("quality-in-use")).to_have_attribute("data-quality", "low")
    state = player_state(page)
    assert state["quality"] == "low"
    position_at_change = state["positionMs"]
    # Same track, not restarted from zero, and the clock moves on.
    wait_position(page, position_at_change + 800)
    assert player_state(page)["trackId"] == track_before
    assert player_state(page)["positionMs"] > 1000


def test_keyboard_space_and_arrows(open_page: OpenPage, server: Server) -> None:
    page = open_page()
    _start_album(page, server)
    page.locator("main").click(position={"x": 5, "y": 5})  # focus nothing that takes typing
    play_pause = page.get_by_test_id("play-pause")
    page.keyboard.press("Space")
    expect(play_pause).to_have_attribute("data-state", "paused")
    assert player_state(page)["paused"] is True
    page.keyboard.press("Space")
    expect(play_pause).to_have_attribute("data-state", "playing")

    before = player_state(page)["positionMs"]
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(before) => window.segue.state().positionMs > before + 4000", arg=before
    )
    volume = player_state(page)["volume"]
    page.keyboard.press("ArrowDown")
    page.wait_for_function("(v) => window.segue.state().volume < v", arg=volume)

    # Keyboard users see where they are: the focused control has an outline.
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0"
        " || s.boxShadow !== 'none'; })()"
    )
    assert outline, "the focused element shows no focus indicator"


def test_loudness_normalization_is_on_by_default(open_page: OpenPage, server: Server) -> None:
    album = catalog(server).albums[0]
    first = catalog(server).album_tracks(album["id"])[0]

    def track_gain() -> float:
        with server.api(server.admin) as api:
            track = api.get(f"/api/v1/tracks/{first['id']}").json()
        gain: float = track["extra"]["loudness"]["track_gain_db"]
        return gain

    page = open_page()
    before = track_gain()
    _start_album(page, server)
    after = track_gain()  # the server may measure the track meanwhile
    normalize = page.get_by_role("checkbox", name="Normalize loudness")
    expect(normalize).to_be_checked()
    gain = player_state(page)["gainDb"]
    assert gain != 0 and any(abs(gain - g) < 0.01 for g in (before, after)), (gain, before, after)
    normalize.uncheck()
    page.wait_for_function("window.segue.state().gainDb === 0")
    assert player_state(page)["normalize"] is False


def test_shuffle_and_repeat_buttons(open_page: OpenPage, server: Server) -> None:
    page = open_page()
    _start_album(page, server)
    shuffle = page.get_by_role("button", name="Shuffle")
    expect(shuffle).to_have_attribute("aria-pressed", "false")
    shuffle.click()
    expect(shuffle).to_have_attribute("aria-pressed", "true")
    shuffle.click()
    expect(shuffle).to_have_attribute("aria-pressed", "false")
    repeat = page.get_by_role("button", name="Repeat: off")
    repeat.click()
    expect(page.get_by_role("button", name="Repeat: all")).to_have_attribute("data-mode", "all")
    page.get_by_role("button", name="Repeat: all").click()
    expect(page.get_by_role("button", name="Repeat: one")).to_have_attribute("data-mode", "one")
    page.get_by_role("button", name="Repeat: one").click()
    with server.api(server.admin) as api:
        queue = api.get("/api/v1/queue").json()
    assert queue["repeat"] == "off"
