"""The transcoder plugin: Ogg Vorbis/Opus renditions, loudness, signed URLs.

Declares the ``ogg`` and ``opus`` stream formats, the signed-URL and admin
routes, the ``transcode`` job consumer, the ``segue transcode`` command, and
adds ``loudness`` (and ``transcode_error`` when a source cannot be read) to
track JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click
import structlog
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.media import StreamFormat
from segue.context import SegueContext, SlotUnavailable
from segue.events.handlers import JobHandler
from segue.models import Track
from segue_transcoder import cli as transcode_cli
from segue_transcoder.config import Config
from segue_transcoder.jobs import job_handlers, publish_jobs
from segue_transcoder.ladder import formats
from segue_transcoder.routes import ROUTES
from segue_transcoder.serve import serve_stream
from segue_transcoder.service import PLUGIN_NAME, Transcoder, transcoder_of

__all__ = ["Config"]

log = structlog.get_logger("segue.transcoder")


def _config(context: SegueContext) -> Config:
    return context.plugin_config(PLUGIN_NAME, Config)


@hookimpl
async def startup(context: SegueContext) -> None:
    service = Transcoder(context, _config(context))
    await service.start()
    if context.role == "server":
        context.spawn(service.refresh_forever, name="transcoder refresh")


@hookimpl
async def shutdown(context: SegueContext) -> None:
    try:
        service = transcoder_of(context)
    except RuntimeError:
        return
    await service.close()


@hookimpl
def register_stream_formats(context: SegueContext) -> Sequence[StreamFormat]:
    config = _config(context)
    return [
        StreamFormat(
            name=name,
            serve=serve_stream,
            description=f"Ogg {name} rendition from the transcoding ladder",
            default=name == config.default_format,
        )
        for name in formats(config.ladder)
    ]


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return list(ROUTES)


@hookimpl
def register_jobs(context: SegueContext) -> Sequence[JobHandler]:
    return job_handlers(context)


@hookimpl
def register_commands(cli: click.Group) -> None:
    transcode_cli.register(cli)


@hookimpl
def extra_track_fields(context: SegueContext, track: Track) -> Mapping[str, Any] | None:
    try:
        service = transcoder_of(context)
    except RuntimeError:
        return None
    fields: dict[str, Any] = {}
    loudness = service.index.fields(track)
    if loudness is not None:
        fields["loudness"] = loudness
    failure = service.failure_for(track)
    if failure is not None:
        fields["transcode_error"] = failure.reason
    return fields or None


async def _queue(context: SegueContext, tracks: Sequence[Track]) -> None:
    config = _config(context)
    encode = "pre_encode" in config.modes
    if not (encode or config.analyze_on_ingest) or not tracks:
        return
    try:
        await publish_jobs(context, tracks, encode=encode)
    except SlotUnavailable:
        log.info("no events slot: transcode jobs not queued", tracks=len(tracks))


@hookimpl
async def catalog_tracks_added(context: SegueContext, tracks: Sequence[Track]) -> None:
    await _queue(context, tracks)


@hookimpl
async def catalog_tracks_changed(context: SegueContext, tracks: Sequence[Track]) -> None:
    await _queue(context, tracks)
