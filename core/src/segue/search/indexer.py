"""Keeping the search index in step with the catalog, through the events slot.

The catalog hooks only publish the ids of the tracks that changed to the
``search.index`` topic; a job handler re-reads those tracks from the catalog
and updates their documents (and their albums' and artists'). Going through
the durable events slot is the one path for every backend: when an external
engine is down the handler fails, the event is retried with a growing delay
(up to ``MAX_ATTEMPTS`` times) and the index catches up once the engine is
back, with nothing lost. Handling reads the catalog's current state, so a
retried or reordered event is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import anyio
import structlog

from segue.events.handlers import JobHandler
from segue.models import ListQuery
from segue.search.documents import Progress, all_documents, changes_for_tracks
from segue.search.service import search_backend
from segue.slots.events import Delivery

if TYPE_CHECKING:
    from segue.context import SegueContext

log = structlog.get_logger("segue.search")

SEARCH_TOPIC = "search.index"
SEARCH_GROUP = "core.search-index"
BATCH = 500
"""Track ids per event."""
MAX_ATTEMPTS = 100
"""With the events backend's growing retry delay (capped at minutes) this rides out
hours of an engine being down before an update is dead-lettered."""

RETRY_FIRST = 5.0
RETRY_MAX = 300.0
"""Seconds between start-up build attempts while the engine is down (doubling up to this)."""

_rebuild_locks: WeakKeyDictionary[SegueContext, anyio.Lock] = WeakKeyDictionary()


async def publish_tracks(context: SegueContext, track_ids: Sequence[str]) -> None:
    """Queue these tracks for re-indexing (no-op when search is off)."""
    if context.search is None or not track_ids:
        return
    for start in range(0, len(track_ids), BATCH):
        chunk = list(track_ids[start : start + BATCH])
        await context.events.publish(SEARCH_TOPIC, {"track_ids": chunk})


async def apply_tracks(context: SegueContext, track_ids: Sequence[str]) -> None:
    """Refresh the documents of these tracks, their albums and artists, from the catalog."""
    backend = search_backend(context)
    changes = await changes_for_tracks(context.catalog, track_ids)
    await backend.delete(changes.deletes)
    await backend.upsert(changes.upserts)


async def _handle(context: SegueContext, delivery: Delivery) -> None:
    track_ids = delivery.payload.get("track_ids")
    if not isinstance(track_ids, list) or not all(isinstance(i, str) for i in track_ids):
        raise ValueError(f"a {SEARCH_TOPIC} event needs 'track_ids': a list of track ids")
    await apply_tracks(context, track_ids)


def job_handlers(context: SegueContext) -> list[JobHandler]:
    if context.search is None:
        return []
    return [
        JobHandler(
            topic=SEARCH_TOPIC,
            group=SEARCH_GROUP,
            handle=_handle,
            max_attempts=MAX_ATTEMPTS,
            claim_timeout=300.0,
        )
    ]


async def rebuild(context: SegueContext, progress: Progress | None = None) -> int:
    """Rebuild the whole index from the catalog; return the number of documents.

    One rebuild at a time per process; searches keep answering meanwhile
    from the previous index where the engine allows it.
    """
    backend = search_backend(context)
    lock = _rebuild_locks.setdefault(context, anyio.Lock())
    async with lock:
        count = await backend.replace_all(all_documents(context.catalog, progress))
    log.info("search index rebuilt", backend=context.backend_name("search"), documents=count)
    return count


async def build_if_empty(context: SegueContext) -> None:
    """On start: an empty index over a non-empty catalog (new install, new backend) is built.

    If the engine cannot be reached this retries, waiting longer each time,
    for as long as the process runs.
    """
    delay = RETRY_FIRST
    while True:
        try:
            await _build_if_empty(context)
            return
        except Exception as exc:
            log.warning(
                "search index check failed; retrying",
                backend=context.backend_name("search"),
                retry_in=delay,
                error=f"{type(exc).__name__}: {exc}",
            )
        await anyio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX)


async def _build_if_empty(context: SegueContext) -> None:
    backend = search_backend(context)
    if await backend.count() > 0:
        return
    if (await context.catalog.list_tracks(ListQuery(limit=0))).total == 0:
        return
    log.info("search index is empty: building it from the catalog")
    await rebuild(context)
