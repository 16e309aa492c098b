"""Fingerprinting through the events slot: scans publish jobs, a JobHandler does them.

Jobs carry track ids in small chunks, so that with several ``segue worker``
processes each takes its share; within a process the fpcalc limiter bounds
the parallel work. Handling is idempotent: tracks whose current file already
has a fingerprint (or a recorded failure) are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from segue.context import SegueContext
from segue.events.handlers import JobHandler
from segue.models import Track
from segue.slots.events import Delivery
from segue_fingerprint_chromaprint.service import open_fingerprinter

TOPIC = "fingerprint"
GROUP = "fingerprint-chromaprint.compute"
CHUNK = 8
"""Track ids per job."""
CLAIM_TIMEOUT = 600.0
"""Seconds a worker may hold a job: a chunk of long files at worst."""


async def publish_jobs(context: SegueContext, tracks: Sequence[Track]) -> int:
    """Queue fingerprint jobs for ``tracks``; returns how many jobs were published."""
    ids = [track.id for track in tracks if not track.missing]
    for start in range(0, len(ids), CHUNK):
        await context.events.publish(TOPIC, {"track_ids": ids[start : start + CHUNK]})
    return (len(ids) + CHUNK - 1) // CHUNK


async def handle_job(context: SegueContext, delivery: Delivery) -> None:
    """Fingerprint the job's tracks that need it, then ask for a duplicate detection."""
    track_ids = [str(track_id) for track_id in delivery.payload.get("track_ids", [])]
    fingerprinter = await open_fingerprinter(context)
    tracks = await fingerprinter.stale(await context.catalog.get_tracks(track_ids))
    if not tracks:
        return
    await fingerprinter.fingerprint_tracks(tracks)
    fingerprinter.request_detection()


def job_handler(workers: int) -> JobHandler:
    return JobHandler(
        topic=TOPIC,
        group=GROUP,
        handle=handle_job,
        concurrency=max(2, workers),
        claim_timeout=CLAIM_TIMEOUT,
    )
