"""The fingerprint-chromaprint plugin: audio fingerprints, duplicates and recording identity.

Hooks: fingerprint jobs published at ingest and consumed through the events
slot, ``segue fingerprint`` and ``segue duplicates``, the admin duplicates
API and ``POST /api/v1/identify``, recording ids in track JSON, and
``extra_recording_ids`` for other plugins (royalties, playlists).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import click
import structlog

from segue import hookimpl
from segue.context import SegueContext
from segue.events.handlers import JobHandler
from segue.models import Track
from segue_fingerprint_chromaprint import cli
from segue_fingerprint_chromaprint.config import Config, plugin_config
from segue_fingerprint_chromaprint.jobs import job_handler, publish_jobs
from segue_fingerprint_chromaprint.service import (
    close_fingerprinter,
    open_fingerprinter,
    running_fingerprinter,
)

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

__all__ = ["Config"]

log = structlog.get_logger("segue.fingerprint")

RELOAD_EVERY = 15.0
"""Seconds between refreshes of the server's recording map (workers detect duplicates)."""


@hookimpl
async def startup(context: SegueContext) -> None:
    fingerprinter = await open_fingerprinter(context)
    if context.role == "server":

        async def follow_detections() -> None:
            while True:
                await anyio.sleep(RELOAD_EVERY)
                await fingerprinter.reload()

        context.spawn(follow_detections, name="fingerprint recording map refresh")


@hookimpl
async def shutdown(context: SegueContext) -> None:
    await close_fingerprinter(context)


@hookimpl
def register_commands(cli: click.Group) -> None:
    _register(cli)


def _register(group: click.Group) -> None:
    cli.register(group)


@hookimpl
def register_jobs(context: SegueContext) -> Sequence[JobHandler]:
    return [job_handler(plugin_config(context).worker_count())]


async def _queue(context: SegueContext, tracks: Sequence[Track]) -> None:
    if not plugin_config(context).fingerprint_on_ingest or not context.has_slot("events"):
        return
    fingerprinter = running_fingerprinter(context)
    todo = list(tracks) if fingerprinter is None else await fingerprinter.stale(tracks)
    if todo:
        jobs = await publish_jobs(context, todo)
        log.debug("fingerprint jobs queued", tracks=len(todo), jobs=jobs)


@hookimpl
async def catalog_tracks_added(context: SegueContext, tracks: Sequence[Track]) -> None:
    await _queue(context, tracks)


@hookimpl
async def catalog_tracks_changed(context: SegueContext, tracks: Sequence[Track]) -> None:
    # A move keeps the fingerprint (same file, new path); only changed files are queued.
    fingerprinter = running_fingerprinter(context)
    if fingerprinter is not None:
        await fingerprinter.store.follow_moves(tracks)
    await _queue(context, tracks)


@hookimpl
async def catalog_tracks_removed(context: SegueContext, track_ids: Sequence[str]) -> None:
    fingerprinter = running_fingerprinter(context)
    if fingerprinter is not None and track_ids:
        await fingerprinter.store.forget(track_ids)


@hookimpl
def extra_track_fields(context: SegueContext, track: Track) -> Mapping[str, Any] | None:
    fingerprinter = running_fingerprinter(context)
    if fingerprinter is None:
        return None
    return fingerprinter.recordings.track_fields(track.id)


@hookimpl
def extra_recording_ids(
    context: SegueContext, track_ids: Sequence[str]
) -> Mapping[str, str] | None:
    fingerprinter = running_fingerprinter(context)
    if fingerprinter is None:
        return None
    recording_of = fingerprinter.recordings.recording_of
    return {track_id: recording_of[track_id] for track_id in track_ids if track_id in recording_of}


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    from segue_fingerprint_chromaprint.routes import DuplicatesController, IdentifyController

    return [DuplicatesController, IdentifyController]
