"""How playlists and the rest are shaped as MongoDB documents, and back.

A playlist is one document: its metadata, its ``entries`` array (each with
a stable entry ``id``; removed ones stay as tombstones) and the recent
idempotency keys, so that one update filtered on the ``version`` the writer
read applies a whole edit. What each version changed lives in
``playlist_changes`` (one document per version), followers in
``playlist_followers`` (one per follow: a popular playlist's followers
never bloat its document).
"""

from __future__ import annotations

from typing import Any

import msgspec

from segue.playlists.models import (
    EditResult,
    HistoryEntry,
    Playlist,
    PlayQueue,
    StoredEntry,
)

_PLAYLIST_FIELDS = [f for f in Playlist.__struct_fields__ if f not in ("id", "follower_count")]


def playlist_document(playlist: Playlist, entries: list[StoredEntry]) -> dict[str, Any]:
    document: dict[str, Any] = {"_id": playlist.id}
    document.update({f: getattr(playlist, f) for f in _PLAYLIST_FIELDS})
    document["entries"] = [msgspec.to_builtins(e) for e in entries]
    document["idempotency"] = []
    return document


def playlist_from(document: dict[str, Any]) -> Playlist:
    return Playlist(
        id=document["_id"],
        **{f: document[f] for f in _PLAYLIST_FIELDS if f in document},
    )


def entries_from(document: dict[str, Any]) -> list[StoredEntry]:
    return msgspec.convert(document.get("entries", []), list[StoredEntry])


def result_from(raw: dict[str, Any]) -> EditResult:
    return msgspec.convert(raw, EditResult)


def history_document(user_id: str, entry: HistoryEntry) -> dict[str, Any]:
    document = msgspec.to_builtins(entry)
    document["_id"] = f"{user_id}:{entry.id}"
    document["user_id"] = user_id
    return dict(document)


def history_from(document: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        id=document["id"],
        track_id=document["track_id"],
        played_at=document["played_at"],
        duration_listened_ms=document.get("duration_listened_ms", 0),
        completed=document.get("completed", False),
        context=document.get("context"),
    )


def queue_document(user_id: str, queue: PlayQueue) -> dict[str, Any]:
    """One stored version of a user's queue: versions are inserted, never updated."""
    document = dict(msgspec.to_builtins(queue))
    document["_id"] = f"{user_id}:{queue.version}"
    document["user_id"] = user_id
    return document


def queue_from(document: dict[str, Any] | None) -> PlayQueue:
    if document is None:
        return PlayQueue()
    fields = {k: v for k, v in document.items() if k in PlayQueue.__struct_fields__}
    return msgspec.convert(fields, PlayQueue)
