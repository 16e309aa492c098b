"""Helpers for royalty tests: a Segue on the scanned demo catalog, plays, running the counter."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio

import segue.api.playback
from segue.context import SegueContext
from segue.events.consumer import run_consumers
from segue.events.handlers import JobHandler
from segue.events.publish import publish_playback
from segue.models import ListQuery, PlaybackEvent, Track
from segue.plugins.manager import CORE_PLUGINS
from segue.runtime import open_context
from segue_royalties.plugin import COUNT_GROUP

DAY = "2026-03-02"
MIDNIGHT = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()


def at(hh: int, mm: int = 0, ss: float = 0) -> float:
    """Unix time of ``hh:mm:ss`` UTC on the scenario day."""
    return MIDNIGHT + hh * 3600 + mm * 60 + ss


def play(
    event_id: str,
    user: str,
    track: str,
    when: float,
    *,
    listened_s: float = 95.0,
    session: str = "s1",
    device: str = "d1",
) -> PlaybackEvent:
    return PlaybackEvent(
        id=event_id,
        user_id=user,
        track_id=track,
        duration_listened_ms=round(listened_s * 1000),
        completed=listened_s >= 95,
        device_id=device,
        session_id=session,
        reported_at=when,
    )


def config_toml(data_dir: Path, library: Path, backend: str, extra: str = "") -> str:
    return (
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n\n'
        f'[events]\nbackend = "{backend}"\nrun_consumers_in_server = false\n\n'
        "[plugins.events-sqlite]\npoll_interval = 0.05\nretry_delay = 0\n\n"
        f"{extra}"
    )


@asynccontextmanager
async def royalty_segue(
    home: Path,
    scanned_data_dir: Path,
    demo_library: Path,
    *,
    backend: str = "sqlite",
    extra: str = "",
    overrides: Mapping[str, Any] | None = None,
) -> AsyncIterator[SegueContext]:
    """A started Segue (no HTTP) on a copy of the scanned demo catalog."""
    data_dir = home / "data"
    if not data_dir.exists():
        await anyio.to_thread.run_sync(shutil.copytree, scanned_data_dir, data_dir)
    config = home / "segue.toml"
    config.write_text(config_toml(data_dir, demo_library, backend, extra), encoding="utf-8")
    async with open_context(config, overrides=overrides) as context:
        yield context


def counting_handlers(context: SegueContext) -> list[JobHandler]:
    return [
        handler
        for _plugin, handlers in context.collect("register_jobs")
        for handler in handlers
        if isinstance(handler, JobHandler) and handler.group == COUNT_GROUP
    ]


async def count_published(context: SegueContext, *, within: float = 30) -> None:
    """Run the counting consumer until it has handled every published playback event."""
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(
            lambda: run_consumers(context, counting_handlers(context), consumer="t", stop=stop)
        )
        with anyio.fail_after(within):
            await until_counted(context)
        stop.set()


async def until_counted(context: SegueContext) -> None:
    """Poll the counting group's lag until it is 0 (the lag lives in the events backend)."""
    while await context.events.lag("playback", COUNT_GROUP):  # noqa: ASYNC110
        await anyio.sleep(0.02)


async def publish_all(context: SegueContext, events: list[PlaybackEvent]) -> None:
    for event in events:
        await publish_playback(context, event)


async def distinct_tracks(context: SegueContext, n: int) -> list[Track]:
    """``n`` demo tracks with different artists and different labels."""
    page = await context.catalog.list_tracks(ListQuery(limit=100, sort="title"))
    chosen: list[Track] = []
    for track in page.items:
        if all(track.artist_id != c.artist_id and track.label != c.label for c in chosen):
            chosen.append(track)
    assert len(chosen) >= n, "the demo catalog has fewer distinct artists than the test needs"
    return chosen[:n]


# Until segue.api.playback is one of the core plugins, tests register it themselves.
PLAYBACK_PLUGINS: list[tuple[str, object]] = (
    [] if "segue.api.playback" in CORE_PLUGINS else [("segue.api.playback", segue.api.playback)]
)
