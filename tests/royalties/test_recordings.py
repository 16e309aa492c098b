"""Royalties follow the recording, not the file; counted streams become catalog play counts.

A test plugin answers ``extra_recording_ids`` the way the fingerprint plugin
does for duplicate files: two demo tracks are copies of one recording.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from royalties_helpers import (
    DAY,
    at,
    config_toml,
    count_published,
    distinct_tracks,
    play,
    publish_all,
)

import segue
from segue.context import SegueContext
from segue.models import PlaybackEvent
from segue.runtime import open_context
from segue_royalties.counting import USER_TRACK_DAILY
from segue_royalties.service import count_events, store_for

pytestmark = pytest.mark.anyio

RECORDING = "rec-song"


class Copies:
    """A plugin saying that some tracks are copies of one recording."""

    def __init__(self) -> None:
        self.track_ids: set[str] = set()

    @segue.hookimpl
    def extra_recording_ids(
        self, context: SegueContext, track_ids: Sequence[str]
    ) -> Mapping[str, str]:
        return {t: RECORDING for t in track_ids if t in self.track_ids}


@asynccontextmanager
async def copies_segue(
    home: Path, scanned_data_dir: Path, demo_library: Path, rules: str = ""
) -> AsyncIterator[tuple[SegueContext, Copies]]:
    """A started Segue on a copy of the demo catalog, with the ``Copies`` plugin."""
    data_dir = home / "data"
    await anyio.to_thread.run_sync(shutil.copytree, scanned_data_dir, data_dir)
    config = home / "segue.toml"
    extra = f"[plugins.royalties]\n{rules}\n" if rules else ""
    config.write_text(config_toml(data_dir, demo_library, "sqlite", extra), encoding="utf-8")
    copies = Copies()
    async with open_context(config, extra_plugins=[("test-copies", copies)]) as context:
        yield context, copies


async def verdicts(context: SegueContext, events: list[PlaybackEvent]) -> list[str]:
    outcomes = await count_events(context, events)
    return [o.verdict + (f":{o.rule}" if o.rule else "") for o in outcomes]


async def play_counts(context: SegueContext, track_ids: list[str]) -> list[int]:
    by_id = {t.id: t.play_count for t in await context.catalog.get_tracks(track_ids)}
    return [by_id[t] for t in track_ids]


async def test_copies_in_one_session_count_once(
    home: Path, scanned_data_dir: Path, demo_library: Path
) -> None:
    async with copies_segue(home, scanned_data_dir, demo_library) as (context, copies):
        flac, mp3, other = await distinct_tracks(context, 3)
        copies.track_ids = {flac.id, mp3.id}
        got = await verdicts(
            context,
            [
                play("e1", "u", flac.id, at(9)),
                play("e2", "u", mp3.id, at(9, 3)),  # the other copy, same session, 3 min later
                play("e3", "u", other.id, at(9, 4)),  # another song
                play("e4", "u", mp3.id, at(9, 4), session="car"),  # another session
                play("e5", "u", flac.id, at(9, 10)),  # more than 5 min after e1
            ],
        )
        store = await store_for(context)
        duplicate = await store.play("e2")
        ungrouped = await store.play("e3")
        daily = {
            c.holder_id: c.streams for c in await store.daily(DAY, DAY, kind="track", limit=100)
        }
    assert got == ["counted", "duplicate", "counted", "counted", "counted"]
    assert duplicate is not None and ungrouped is not None
    assert (duplicate.track_id, duplicate.recording_id) == (mp3.id, RECORDING)
    assert duplicate.duplicate_of == "e1"
    assert ungrouped.recording_id == other.id  # not grouped: its own recording
    # Per-track daily counts add up the copies of a recording.
    assert daily == {RECORDING: 3, other.id: 1}


async def test_daily_limit_counts_both_copies(
    home: Path, scanned_data_dir: Path, demo_library: Path
) -> None:
    rules = "max_plays_per_track_user_day = 2"
    async with copies_segue(home, scanned_data_dir, demo_library, rules) as (context, copies):
        flac, mp3, other = await distinct_tracks(context, 3)
        copies.track_ids = {flac.id, mp3.id}
        got = await verdicts(
            context,
            [  # a new session each time: the dedupe window does not apply
                play("e1", "bot", flac.id, at(1), session="s1"),
                play("e2", "bot", mp3.id, at(2), session="s2"),
                play("e3", "bot", flac.id, at(3), session="s3"),
                play("e4", "bot", mp3.id, at(4), session="s4"),
                play("e5", "bot", other.id, at(5), session="s5"),
            ],
        )
    flagged = f"flagged:{USER_TRACK_DAILY}"
    assert got == ["counted", "counted", flagged, flagged, "counted"]


async def test_counted_streams_add_play_counts_once(
    home: Path, scanned_data_dir: Path, demo_library: Path
) -> None:
    async with copies_segue(home, scanned_data_dir, demo_library) as (context, copies):
        flac, mp3, other = await distinct_tracks(context, 3)
        copies.track_ids = {flac.id, mp3.id}
        tracks = [flac.id, mp3.id, other.id]
        before = await play_counts(context, tracks)
        events = [
            play("e1", "u", flac.id, at(9)),
            play("e2", "u", mp3.id, at(9, 2)),  # duplicate of e1: no play
            play("e3", "u", mp3.id, at(9, 2), session="car"),
            play("e4", "u", other.id, at(9, 3), listened_s=10),  # too short: no play
            play("e5", "v", other.id, at(9, 3)),
            play("e6", "w", other.id, at(9, 4)),
        ]
        await publish_all(context, events)
        await count_published(context)  # through the counting consumer
        after = await play_counts(context, tracks)
        # Redelivered events (an id counted before) change nothing.
        replayed = await count_events(context, events)
        after_replay = await play_counts(context, tracks)
    assert before == [0, 0, 0]
    assert after == [1, 1, 2]
    assert all(o.replayed for o in replayed)
    assert after_replay == after


async def test_short_play_adds_no_play_count(
    home: Path, scanned_data_dir: Path, demo_library: Path
) -> None:
    async with copies_segue(home, scanned_data_dir, demo_library) as (context, _copies):
        [track] = await distinct_tracks(context, 1)
        got = await verdicts(context, [play("e1", "u", track.id, at(9), listened_s=29)])
        counts = await play_counts(context, [track.id])
    assert got == ["too_short"]
    assert counts == [0]
