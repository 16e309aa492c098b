"""Each counting rule, with its config key: the default, a changed value, and idempotency."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from royalties_helpers import DAY, at, distinct_tracks, play, royalty_segue

from segue.context import SegueContext
from segue.models import PlaybackEvent
from segue_royalties.counting import DEVICE_MANY_USERS, USER_HOURLY_TRACKS, USER_TRACK_DAILY
from segue_royalties.service import count_events, store_for

pytestmark = pytest.mark.anyio

OpenSegue = Callable[..., AbstractAsyncContextManager[SegueContext]]


async def verdicts(context: SegueContext, events: list[PlaybackEvent]) -> list[str]:
    """Count ``events`` and return each verdict, with the fraud rule for flagged ones."""
    outcomes = await count_events(context, events)
    return [o.verdict + (f":{o.rule}" if o.rule else "") for o in outcomes]


@pytest.fixture
def segue(home: Path, scanned_data_dir: Path, demo_library: Path) -> OpenSegue:
    """``segue(rules_toml)``: a started Segue on the demo catalog with these royalty rules."""

    made = 0

    def build(rules: str = "") -> AbstractAsyncContextManager[SegueContext]:
        nonlocal made
        made += 1  # each call starts from a fresh copy of the catalog and an empty store
        extra = f"[plugins.royalties]\n{rules}\n" if rules else ""
        return royalty_segue(home / str(made), scanned_data_dir, demo_library, extra=extra)

    return build


async def test_min_listened_seconds(segue: OpenSegue) -> None:
    async with segue() as context:
        [t] = await distinct_tracks(context, 1)
        got = await verdicts(
            context,
            [
                play("e1", "u", t.id, at(9), listened_s=29.9),
                play("e2", "u", t.id, at(9, 1), listened_s=30, session="s2"),
            ],
        )
    assert got == ["too_short", "counted"]

    async with segue("min_listened_seconds = 10") as context:
        got = await verdicts(context, [play("e3", "u", t.id, at(9), listened_s=12)])
    assert got == ["counted"]


async def test_dedupe_window_per_user_track_and_session(segue: OpenSegue) -> None:
    async with segue() as context:
        [t, other] = await distinct_tracks(context, 2)
        got = await verdicts(
            context,
            [
                play("e1", "u", t.id, at(9)),
                play("e2", "u", t.id, at(9, 4, 59)),  # same session, within 5 min
                play("e3", "u", other.id, at(9, 1)),  # another track
                play("e4", "v", t.id, at(9, 2)),  # another user
                play("e5", "u", t.id, at(9, 3), session="tv", device="tv"),  # another session
                play("e6", "u", t.id, at(9, 5, 1)),  # more than 5 min after e1
            ],
        )
    assert got == ["counted", "duplicate", "counted", "counted", "counted", "counted"]

    async with segue("dedupe_window_seconds = 60") as context:
        got = await verdicts(
            context, [play("f1", "u", t.id, at(9)), play("f2", "u", t.id, at(9, 1, 30))]
        )
    assert got == ["counted", "counted"]


async def test_max_tracks_per_user_hour(segue: OpenSegue) -> None:
    async with segue("max_tracks_per_user_hour = 3") as context:
        tracks = await distinct_tracks(context, 4)
        events = [
            play(f"e{n}", "u", t.id, at(9, 10 * n), session=f"s{n}") for n, t in enumerate(tracks)
        ]
        events.append(play("next-hour", "u", tracks[0].id, at(10, 1), session="later"))
        got = await verdicts(context, events)
    assert got == ["counted"] * 3 + [f"flagged:{USER_HOURLY_TRACKS}", "counted"]


async def test_max_plays_per_track_user_day(segue: OpenSegue) -> None:
    async with segue("max_plays_per_track_user_day = 2") as context:
        [t] = await distinct_tracks(context, 1)
        events = [play(f"e{n}", "u", t.id, at(9 + n), session=f"s{n}") for n in range(3)]
        events.append(play("next-day", "u", t.id, at(24 + 9), session="tomorrow"))
        got = await verdicts(context, events)
    assert got == ["counted", "counted", f"flagged:{USER_TRACK_DAILY}", "counted"]


async def test_max_users_per_device_day(segue: OpenSegue) -> None:
    async with segue("max_users_per_device_day = 2") as context:
        [t] = await distinct_tracks(context, 1)
        events = [
            play(f"e{n}", f"user{n}", t.id, at(9, n), device="kiosk", session=f"s{n}")
            for n in range(3)
        ]
        events.append(play("own-device", "user2", t.id, at(11), device="own", session="x"))
        events.append(play("first-again", "user0", t.id, at(12), device="kiosk", session="y"))
        got = await verdicts(context, events)
    assert got == [
        "counted",
        "counted",
        f"flagged:{DEVICE_MANY_USERS}",
        "counted",
        "counted",
    ]


async def test_unknown_tracks_and_missing_users_never_count(segue: OpenSegue) -> None:
    async with segue() as context:
        [t] = await distinct_tracks(context, 1)
        got = await verdicts(
            context, [play("e1", "u", "gone-track", at(9)), play("e2", "", t.id, at(9))]
        )
    assert got == ["unknown_track", "unauthenticated"]


async def test_counting_an_event_again_changes_nothing(segue: OpenSegue) -> None:
    async with segue() as context:
        [t] = await distinct_tracks(context, 1)
        events = [play("e1", "u", t.id, at(9)), play("e2", "u", t.id, at(9), listened_s=3)]
        await count_events(context, events)
        store = await store_for(context)
        before = (await store.verdicts(), await store.daily(DAY, DAY, "artist", 10))

        again = await count_events(context, [*events, events[0]])

        assert [o.replayed for o in again] == [True, True, True]
        assert (await store.verdicts(), await store.daily(DAY, DAY, "artist", 10)) == before
        assert before[0] == {"counted": 1, "too_short": 1}
