"""getPlayQueue and savePlayQueue: Segue's server-side play queue, shared with its own apps."""

from __future__ import annotations

import msgspec

from segue.api.queue import QUEUE_CHANGED, queue_out
from segue.playlists.models import MAX_ENTRIES
from segue.playlists.service import backend, log
from segue.social.live import publish_to_users
from segue_subsonic.call import Call, endpoint
from segue_subsonic.envelope import Payload, bad_value, not_found
from segue_subsonic.shapes import iso, notes_for, song


@endpoint("getPlayQueue")
async def get_play_queue(call: Call) -> Payload:
    queue = await backend(call.context).get_queue(call.user.id)
    tracks = {t.id: t for t in await call.context.catalog.get_tracks(queue.track_ids)}
    notes = await notes_for(call)
    node: Payload = {
        "username": call.user.name,
        "changed": iso(queue.updated_at or None),
        "changedBy": call.client,
        "entry": [song(tracks[t], notes) for t in queue.track_ids if t in tracks],
    }
    if queue.track_ids:
        node["current"] = queue.track_ids[queue.position]
        node["position"] = queue.position_ms
    return {"playQueue": {k: v for k, v in node.items() if v is not None}}


@endpoint("savePlayQueue")
async def save_play_queue(call: Call) -> Payload:
    params = call.params
    ids = params.all("id")
    if len(ids) > MAX_ENTRIES:
        raise bad_value("id", f"{len(ids)} ids", f"at most {MAX_ENTRIES} songs")
    found = {t.id for t in await call.context.catalog.get_tracks(ids)}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise not_found(f"no song with id {unknown[0]!r}")
    current = params.get("current") or (ids[0] if ids else None)
    if current is not None and current not in ids:
        raise bad_value("current", current, "one of the queued song ids")
    position_ms = params.integer("position", 0, low=0) or 0
    slot = backend(call.context)
    stored = await slot.get_queue(call.user.id)
    queue = msgspec.structs.replace(
        stored,
        track_ids=list(ids),
        original_track_ids=[],
        shuffle=False,
        position=ids.index(current) if current else 0,
        position_ms=position_ms,
        context="subsonic",
    )
    stored = await slot.put_queue(call.user.id, queue)
    # Segue's own apps follow the queue live, as when it changes through /api/v1/queue.
    try:
        out = msgspec.to_builtins(await queue_out(call.context, stored))
        await publish_to_users(call.context, [call.user.id], {"type": QUEUE_CHANGED, "queue": out})
    except Exception as exc:  # stored already: a push failure must not fail the call
        log.warning("queue change not pushed", error=repr(exc))
    return {}
