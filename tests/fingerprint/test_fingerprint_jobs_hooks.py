"""Ingest jobs through the events slot, the hooks this plugin offers, and AcoustID failing softly."""

from __future__ import annotations

import shutil
from pathlib import Path

import anyio
import pytest
from fingerprint_audio import MP3_128, reencode
from fingerprint_helpers import EXPECTED_GROUPS, MakeSetup, Setup, wait_until, write_setup
from structlog.testing import capture_logs

from segue.events.consumer import run_consumers
from segue.events.handlers import JobHandler
from segue.models import ListQuery
from segue_catalog_filesystem.scanner import scan_library
from segue_fingerprint_chromaprint.jobs import GROUP, TOPIC
from segue_fingerprint_chromaprint.service import require_fingerprinter

pytestmark = pytest.mark.anyio


async def test_scans_queue_jobs_that_a_consumer_of_the_events_slot_does(
    make_setup: MakeSetup,
) -> None:
    setup = make_setup()
    async with setup.open(role="cli") as context:  # a CLI process consumes nothing
        report = await scan_library(context)
        fingerprinter = require_fingerprinter(context)
        queued = await context.events.lag(TOPIC, GROUP)
        assert queued >= 1
        assert await fingerprinter.store.count() == 0

        handlers = [
            handler
            for _plugin, declared in context.collect("register_jobs")
            for handler in declared
            if isinstance(handler, JobHandler) and handler.topic == TOPIC
        ]
        assert [h.group for h in handlers] == [GROUP]
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: run_consumers(context, handlers, consumer="test", stop=stop))

            async def done() -> bool:
                stored = await fingerprinter.store.count() + len(
                    await fingerprinter.store.failures()
                )
                lag: int = await context.events.lag(TOPIC, GROUP)
                return stored == report.added and lag == 0

            await wait_until(done)
            grouped = sum(len(group) for group in EXPECTED_GROUPS)
            await wait_until(lambda: len(fingerprinter.recordings.recording_of) == grouped)
            stop.set()

        # A second scan finds nothing new: no job is queued again.
        await scan_library(context)
        assert await context.events.lag(TOPIC, GROUP) == 0


async def test_ingest_jobs_can_be_turned_off(make_setup: MakeSetup) -> None:
    setup = make_setup("fingerprint_on_ingest = false")
    async with setup.open() as context:
        await scan_library(context)
        assert await context.events.lag(TOPIC, GROUP) == 0


async def test_hook_extra_recording_ids(ingested: Setup) -> None:
    async with ingested.open() as context:
        fingerprinter = require_fingerprinter(context)
        groups = await fingerprinter.duplicate_groups()
        grouped = [m.track_id for g in groups for m in g.members]
        facts = await fingerprinter.store.facts()
        singles = [t for t in facts if t not in grouped]
        merged: dict[str, str] = {}
        for _plugin, answer in context.collect(
            "extra_recording_ids", track_ids=[*grouped, *singles]
        ):
            merged.update(answer or {})

    assert singles  # the distinct songs
    for group in groups:
        assert {merged[m.track_id] for m in group.members} == {group.recording_id}
    assert not set(singles) & set(merged)  # absent: each is its own recording


async def test_hook_extra_track_fields_gives_recording_ids(ingested: Setup) -> None:
    async with ingested.open() as context:
        groups = await require_fingerprinter(context).duplicate_groups()
        for group in groups:
            tracks = await context.catalog.get_tracks([m.track_id for m in group.members])
            for track in tracks:
                extra = context.extra_track_fields(track)
                assert extra["recording_id"] == group.recording_id
                assert extra["preferred_track_id"] == group.preferred_track_id


async def test_removed_files_lose_their_fingerprints(ingested_copy: Setup) -> None:
    async with ingested_copy.open() as context:
        fingerprinter = require_fingerprinter(context)
        before = await fingerprinter.store.count()
        some = list((await fingerprinter.store.facts()).keys())[:2]
        await context.notify("catalog_tracks_removed", track_ids=some)
        assert await fingerprinter.store.count() == before - 2


async def test_acoustid_unreachable_fails_softly_with_one_log_line(make_setup: MakeSetup) -> None:
    setup = make_setup(
        "fingerprint_on_ingest = false\nacoustid_lookup = true\n"
        'acoustid_api_key = "test-key"\nacoustid_url = "http://127.0.0.1:9/v2/lookup"\n'
        "acoustid_timeout = 2.0"
    )
    async with setup.open() as context:
        await scan_library(context)
        fingerprinter = require_fingerprinter(context)
        tracks = (await context.catalog.list_tracks(ListQuery(limit=100))).items
        with capture_logs() as logs:
            summary = await fingerprinter.fingerprint_tracks(tracks)

    warnings = [entry for entry in logs if "AcoustID" in entry["event"]]
    assert len(warnings) == 1
    assert "cannot reach http://127.0.0.1:9/v2/lookup" in warnings[0]["event"]
    assert warnings[0]["log_level"] == "warning"
    assert summary.fingerprinted == len(tracks) - 1  # all but the corrupt file
    assert fingerprinter.acoustid is not None and fingerprinter.acoustid.gave_up


async def test_a_new_copy_joins_its_recording_without_changing_the_id(
    fingerprint_library: Path, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    shutil.copytree(fingerprint_library, library)
    setup = write_setup(tmp_path / "home", library, "fingerprint_on_ingest = false")
    async with setup.open() as context:
        await scan_library(context)
        fingerprinter = require_fingerprinter(context)
        await fingerprinter.fingerprint_tracks(
            (await context.catalog.list_tracks(ListQuery(limit=100))).items
        )
        before = {
            frozenset(m.relpath for m in g.members): g.recording_id
            for g in await fingerprinter.detect()
        }
        await reencode(
            library / "Album (FLAC)/03 Third.flac",
            library / "Another folder/third copy.mp3",
            MP3_128,
            [],
        )
        await scan_library(context)
        await fingerprinter.fingerprint_tracks(
            await fingerprinter.stale(
                (await context.catalog.list_tracks(ListQuery(limit=100))).items
            )
        )
        after = {
            frozenset(m.relpath for m in g.members): g.recording_id
            for g in await fingerprinter.detect()
        }

    third = next(paths for paths in before if "Album (FLAC)/03 Third.flac" in paths)
    grown = third | {"Another folder/third copy.mp3"}
    assert after[grown] == before[third]
    assert len(after) == len(before) == len(EXPECTED_GROUPS)


async def test_a_moved_file_keeps_its_fingerprint_and_shows_its_new_path(
    fingerprint_library: Path, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    shutil.copytree(fingerprint_library, library)
    setup = write_setup(tmp_path / "home", library)
    async with setup.open() as context:
        await scan_library(context)
        fingerprinter = require_fingerprinter(context)
        await fingerprinter.fingerprint_tracks(
            (await context.catalog.list_tracks(ListQuery(limit=100))).items
        )
        await fingerprinter.detect()
        jobs_before = await context.events.lag(TOPIC, GROUP)
        count_before = await fingerprinter.store.count()

        (library / "Moved").mkdir()
        (library / "Album (MP3)/02 Second.mp3").rename(library / "Moved/second.mp3")
        report = await scan_library(context)
        paths = {m.relpath for g in await fingerprinter.duplicate_groups() for m in g.members}

        assert report.moved == 1
        assert await context.events.lag(TOPIC, GROUP) == jobs_before  # nothing to recompute
        assert await fingerprinter.store.count() == count_before
        assert "Moved/second.mp3" in paths
        assert "Album (MP3)/02 Second.mp3" not in paths
