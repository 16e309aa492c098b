"""The pre-encode and loudness queue, through the events slot.

New or changed tracks are published on the ``transcode`` topic; whichever
process consumes it (``segue worker``, or the server with ``[events]
run_consumers_in_server``) encodes the ladder and/or measures loudness.
A killed worker's claim expires and the job is delivered again; a source
ffmpeg cannot read is recorded once and acknowledged, never retried forever.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import structlog

from segue.events.handlers import JobHandler
from segue.models import Track
from segue.slots.events import Delivery
from segue_transcoder.config import Config
from segue_transcoder.service import PLUGIN_NAME, JobResult, transcoder_of
from segue_transcoder.store import source_key

if TYPE_CHECKING:
    from segue.context import SegueContext

log = structlog.get_logger("segue.transcoder")

TOPIC = "transcode"
GROUP = "transcoder.jobs"


def job_payload(track: Track, *, encode: bool) -> tuple[dict[str, object], str]:
    """(payload, event id) of a job; the id makes one job per version of a file."""
    key = hashlib.sha1(f"{track.id}:{source_key(track)}:{encode}".encode()).hexdigest()[:24]
    return {"track_id": track.id, "encode": encode}, f"transcode-{key}"


async def publish_jobs(context: SegueContext, tracks: Sequence[Track], *, encode: bool) -> int:
    """Queue a job per track; the number queued."""
    for track in tracks:
        payload, event_id = job_payload(track, encode=encode)
        await context.events.publish(TOPIC, payload, event_id=event_id)
    return len(tracks)


async def handle_job(context: SegueContext, delivery: Delivery) -> None:
    """Run one queued job (idempotent: a done job finds nothing to do)."""
    service = transcoder_of(context)
    track_id = str(delivery.payload.get("track_id", ""))
    track = await context.catalog.get_track(track_id)
    if track is None or track.missing:
        log.info("transcode job for a track that is gone", track_id=track_id)
        return
    encode = bool(delivery.payload.get("encode")) and service.pre_encode
    result: JobResult = await service.process(track, encode_ladder=encode)
    log.debug("transcode job done", track_id=track_id, outcome=result.outcome)


def job_handlers(context: SegueContext) -> list[JobHandler]:
    config = context.plugin_config(PLUGIN_NAME, Config)
    return [
        JobHandler(
            topic=TOPIC,
            group=GROUP,
            handle=handle_job,
            concurrency=max(1, config.queue_concurrency),
            # One job is one ffmpeg run; it must finish well within its claim.
            claim_timeout=float(config.job_timeout_seconds) + 60.0,
            batch_size=1,
        )
    ]
