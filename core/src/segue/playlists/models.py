"""Shapes stored and returned by the playlists slot (msgspec Structs)."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Literal

import msgspec

MAX_ENTRIES = 10_000
"""At most this many entries in one playlist."""
MAX_NAME = 200
MAX_DESCRIPTION = 2_000

PlaylistName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME)]
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION)]


class Playlist(msgspec.Struct, kw_only=True):
    """A playlist's metadata (its entries are read page by page)."""

    id: str
    owner_id: str
    name: str
    description: str = ""
    public: bool = False
    """Public playlists can be read and followed by every user."""
    collaborative: bool = False
    """Collaborators may edit the entries of a collaborative playlist."""
    collaborators: list[str] = []
    """User ids the owner added as collaborators."""
    version: int = 1
    """Grows by one with every change (metadata or entries)."""
    entry_count: int = 0
    follower_count: int = 0
    created_at: float
    updated_at: float


def new_playlist(
    owner_id: str,
    name: str,
    *,
    description: str = "",
    public: bool = False,
    collaborative: bool = False,
) -> Playlist:
    """A playlist about to be stored: a fresh id, version 1, created now (every backend)."""
    now = time.time()
    return Playlist(
        id=uuid.uuid4().hex,
        owner_id=owner_id,
        name=name,
        description=description,
        public=public,
        collaborative=collaborative,
        created_at=now,
        updated_at=now,
    )


class Entry(msgspec.Struct, kw_only=True):
    """One entry of a playlist; its id never changes, whatever moves around it."""

    id: str
    track_id: str
    added_by: str
    added_at: float


class StoredEntry(Entry, kw_only=True):
    """An entry as backends keep it: removed entries stay as tombstones so that an
    insert or move anchored on them still lands where they were."""

    removed: bool = False


class InsertOp(
    msgspec.Struct, tag_field="op", tag="insert", kw_only=True, forbid_unknown_fields=True
):
    """Insert tracks after the entry ``after``, or at ``at`` ("start" or "end", the default)."""

    track_ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_ENTRIES)]
    after: str | None = None
    """Entry id to insert after; if it was removed meanwhile, the tracks land where it was."""
    at: Literal["start", "end"] | None = None
    """Without ``after``: "end" (the default) or "start"."""


class RemoveOp(
    msgspec.Struct, tag_field="op", tag="remove", kw_only=True, forbid_unknown_fields=True
):
    """Remove entries by id (removing an entry already removed changes nothing)."""

    entry_ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_ENTRIES)]


class MoveOp(msgspec.Struct, tag_field="op", tag="move", kw_only=True, forbid_unknown_fields=True):
    """Move one entry after another (``after`` null: to the start)."""

    entry_id: str
    after: str | None = None


EditOp = InsertOp | RemoveOp | MoveOp


class MetadataUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields of a playlist to change (absent fields stay as they are)."""

    name: PlaylistName | None = None
    description: Description | None = None
    public: bool | None = None
    collaborative: bool | None = None

    def fields(self) -> list[str]:
        return [f for f in self.__struct_fields__ if getattr(self, f) is not None]


class Change(msgspec.Struct, kw_only=True):
    """What one version changed, kept for a while to rebase late writers."""

    version: int
    moved: list[str] = []
    removed: list[str] = []
    fields: list[str] = []


class DiffInsert(msgspec.Struct, tag_field="op", tag="insert", kw_only=True):
    after: str | None
    """The visible entry the new ones follow (null: at the start)."""
    entries: list[Entry]


class DiffRemove(msgspec.Struct, tag_field="op", tag="remove", kw_only=True):
    entry_ids: list[str]


class DiffMove(msgspec.Struct, tag_field="op", tag="move", kw_only=True):
    entry_id: str
    after: str | None


DiffOp = DiffInsert | DiffRemove | DiffMove


class EditResult(msgspec.Struct, kw_only=True):
    """The outcome of one edit: the new version and the diff to apply, in order."""

    playlist_id: str
    version: int
    base_version: int
    """The version the diff applies to (the one before this edit)."""
    diff: list[DiffOp]
    entry_count: int


SavedKind = Literal["track", "album", "artist"]


class SavedItem(msgspec.Struct, kw_only=True):
    kind: SavedKind
    item_id: str
    saved_at: float


class HistoryEntry(msgspec.Struct, kw_only=True):
    """One play in a user's listening history."""

    id: str
    """The playback event's id (a redelivered event is stored once)."""
    track_id: str
    played_at: float
    duration_listened_ms: int = 0
    completed: bool = False
    context: str | None = None


RepeatMode = Literal["off", "all", "one"]


class PlayQueue(msgspec.Struct, kw_only=True):
    """A user's server-side play queue, shared by all their devices."""

    track_ids: list[str] = []
    """The queue in play order (shuffled order when ``shuffle`` is on)."""
    position: int = 0
    """Index in ``track_ids`` of the current track."""
    position_ms: int = 0
    """Playback position within the current track."""
    shuffle: bool = False
    repeat: RepeatMode = "off"
    original_track_ids: list[str] = []
    """The order before shuffling (restored when shuffle is turned off)."""
    context: str | None = None
    version: int = 0
    updated_at: float = 0.0


class PlaylistExport(msgspec.Struct, kw_only=True):
    """A whole playlist with its live entries, followers and change state (for migrations)."""

    playlist: Playlist
    entries: list[Entry]
    followers: list[str] = []
