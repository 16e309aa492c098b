"""The acceptance scenario: short plays, duplicates, device switches, bots and replays.

Rules are tightened through config so that the bots stay small: 6 plays per
user per hour, 5 plays of one track per user per day, 3 users per device per
day. Every expected figure below is worked out by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from royalties_helpers import (
    DAY,
    at,
    count_published,
    distinct_tracks,
    play,
    publish_all,
    royalty_segue,
)

from segue.context import SegueContext
from segue.models import PlaybackEvent, Track
from segue_royalties.counting import DEVICE_MANY_USERS, USER_HOURLY_TRACKS, USER_TRACK_DAILY
from segue_royalties.service import count_events, payout_report, store_for

pytestmark = pytest.mark.anyio

RULES = (
    "[plugins.royalties]\nmax_tracks_per_user_hour = 6\n"
    "max_plays_per_track_user_day = 5\nmax_users_per_device_day = 3\n"
)


def scenario(a: Track, b: Track, c: Track) -> list[PlaybackEvent]:
    events = [
        # u1 on track a: counted, too short, duplicate (same session within 5 min),
        # another device and session (counts), the first session again after 10 min (counts).
        play("u1-1", "u1", a.id, at(10, 0, 0)),
        play("u1-2", "u1", a.id, at(10, 1, 40), listened_s=10),
        play("u1-3", "u1", a.id, at(10, 3, 20)),
        play("u1-4", "u1", a.id, at(10, 4, 10), session="s2", device="d2"),
        play("u1-5", "u1", a.id, at(10, 10, 0)),
        # u2 on track b: exactly 30 s counts, 29.999 s does not.
        play("u2-1", "u2", b.id, at(12, 0), listened_s=30, device="d-u2"),
        play("u2-2", "u2", b.id, at(12, 10), listened_s=29.999, session="s2", device="d-u2"),
    ]
    # Bot u3 loops track c every 15 min (4 an hour: under the hourly rule);
    # plays 6 to 8 of the day break the 5-per-track-per-day rule.
    events += [
        play(f"u3-{n}", "u3", c.id, at(10 + n // 4, 15 * (n % 4)), session=f"b{n}", device="d-u3")
        for n in range(8)
    ]
    # Bot u4 plays a, b, c, a, b, c... every 5 min in one hour: plays 7 to 9 break
    # the 6-per-hour rule (3 plays per track: under the daily per-track rule).
    events += [
        play(f"u4-{n}", "u4", (a, b, c)[n % 3].id, at(14, 5 * n), session=f"h{n}", device="d-u4")
        for n in range(9)
    ]
    # A device farm: 5 accounts on one device; the 4th and 5th are flagged.
    events += [
        play(f"farm-{n}", f"f{n}", b.id, at(16, n), session=f"f{n}", device="farm")
        for n in range(1, 6)
    ]
    return events


# Counted: a = u1 x3 + u4 x2 = 5; b = u2 + u4 x2 + farm x3 = 6; c = u3 x5 + u4 x2 = 7.
EXPECTED_VERDICTS = {"counted": 18, "too_short": 2, "duplicate": 1, "flagged": 8}
EXPECTED_RULES = {USER_TRACK_DAILY: 3, USER_HOURLY_TRACKS: 3, DEVICE_MANY_USERS: 2}


async def run_scenario(context: SegueContext) -> tuple[Track, Track, Track]:
    a, b, c = await distinct_tracks(context, 3)
    events = scenario(a, b, c)
    await publish_all(context, events)
    await count_published(context)
    # Replays: the same reports published again, and redelivered to the counter.
    await publish_all(context, events[:5])
    await count_published(context)
    await count_events(context, events)
    return a, b, c


async def test_scenario_counts_and_pays_exactly(
    home: Path, scanned_data_dir: Path, demo_library: Path, events_overrides: dict[str, Any]
) -> None:
    async with royalty_segue(
        home, scanned_data_dir, demo_library, extra=RULES, overrides=events_overrides
    ) as context:
        a, b, c = await run_scenario(context)
        store = await store_for(context)

        assert await store.verdicts() == EXPECTED_VERDICTS
        flagged = await store.flagged(DAY, DAY, limit=100)
        assert {r.rule: r.plays for r in flagged.rules} == EXPECTED_RULES
        assert {p.event_id for p in flagged.plays if p.rule == DEVICE_MANY_USERS} == {
            "farm-4",
            "farm-5",
        }
        assert {p.event_id for p in flagged.plays if p.rule == USER_TRACK_DAILY} == {
            "u3-5",
            "u3-6",
            "u3-7",
        }
        assert {p.event_id for p in flagged.plays if p.rule == USER_HOURLY_TRACKS} == {
            "u4-6",
            "u4-7",
            "u4-8",
        }
        duplicate = await store.play("u1-3")
        assert duplicate is not None
        assert (duplicate.verdict, duplicate.duplicate_of) == ("duplicate", "u1-1")
        short = await store.play("u1-2")
        assert short is not None and short.verdict == "too_short" and "10 s" in short.reason

        tracks = {
            d.holder_id: (d.streams, d.listeners) for d in await store.daily(DAY, DAY, "track", 100)
        }
        assert tracks == {a.id: (5, 2), b.id: (6, 5), c.id: (7, 2)}
        artists = {
            d.holder: (d.streams, d.listeners) for d in await store.daily(DAY, DAY, "artist", 100)
        }
        assert artists == {a.artist_name: (5, 2), b.artist_name: (6, 5), c.artist_name: (7, 2)}
        labels = {d.holder: d.streams for d in await store.daily(DAY, DAY, "label", 100)}
        assert labels == {a.label: 5, b.label: 6, c.label: 7}
        albums = {d.holder_id: d.streams for d in await store.daily(DAY, DAY, "album", 100)}
        assert albums == {a.album_id: 5, b.album_id: 6, c.album_id: 7}

        # 1000.00 over 18 streams, in cents: a 500000/18 = 27777 r14, b 600000/18 = 33333 r6,
        # c 700000/18 = 38888 r16; 2 cents left go to the largest remainders c and a.
        report = await payout_report(context, start=DAY, end=DAY, pool="1000.00")
        assert (report.total_streams, report.pool, report.currency) == (18, "1000.00", "EUR")
        assert [(r.holder, r.streams, r.amount) for r in report.rows] == [
            (c.artist_name, 7, "388.89"),
            (b.artist_name, 6, "333.33"),
            (a.artist_name, 5, "277.78"),
        ]

        # With a 6-stream minimum a is left out: 600000/13 = 46153 r11, 700000/13 = 53846 r2.
        report = await payout_report(
            context, start=DAY, end=DAY, pool="1000", min_streams=6, by="label"
        )
        assert report.total_streams == 13
        assert [(r.holder, r.streams, r.amount) for r in report.rows] == [
            (c.label, 7, "538.46"),
            (b.label, 6, "461.54"),
        ]
