"""Payloads of the playlists, library, history and queue API (msgspec Structs)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from segue.api.schemas import AlbumOut, TrackOut
from segue.models import Artist, Page
from segue.playlists.models import MAX_ENTRIES, EditOp, Playlist, RepeatMode, SavedKind

Version = Annotated[int, msgspec.Meta(ge=0)]
TrackIds = Annotated[list[str], msgspec.Meta(max_length=MAX_ENTRIES * 2)]
"""Checked against the real limit by the handlers, which answer 422 with the counts."""


class NewPlaylist(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    """1 to 200 characters."""
    description: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    public: bool = False
    collaborative: bool = False
    track_ids: TrackIds = []
    """Tracks to start with, in order."""


class PlaylistPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields to change; absent ones stay. ``base_version``: the version you saw."""

    name: str | None = None
    description: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    public: bool | None = None
    collaborative: bool | None = None
    base_version: Version | None = None


class InsertTracks(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Insert tracks after entry ``after``, or at ``at`` ("start" or "end", the default)."""

    track_ids: Annotated[TrackIds, msgspec.Meta(min_length=1)]
    after: str | None = None
    at: Literal["start", "end"] | None = None
    base_version: Version | None = None


class MoveEntry(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    after: str | None = None
    """The entry to move after; null moves to the start."""
    base_version: Version | None = None


class EditRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Several operations applied in order as one version (all or nothing)."""

    ops: Annotated[list[EditOp], msgspec.Meta(min_length=1, max_length=1000)]
    base_version: Version | None = None


class PlaylistOut(Playlist, kw_only=True):
    """A playlist with what the caller may do and covers from its first tracks."""

    cover_urls: list[str] = []
    """Up to four distinct covers of the first tracks (a mosaic, or the first one)."""
    can_edit: bool = False
    """The caller may edit the tracks (owner, or collaborator of a collaborative playlist)."""
    following: bool = False


class EntryOut(msgspec.Struct, kw_only=True):
    id: str
    """The entry id: edits address entries by this id."""
    added_by: str
    added_at: float
    track: TrackOut | None
    """Null when the track is no longer in the catalog."""


class EntryPage(Page[EntryOut], kw_only=True):
    version: int
    """The playlist version this page was read at."""


class LibraryChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: SavedKind
    ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=1000)]


class SavedOut(msgspec.Struct, kw_only=True):
    kind: SavedKind
    id: str
    saved_at: float
    track: TrackOut | None = None
    album: AlbumOut | None = None
    artist: Artist | None = None


class LibraryPage(Page[SavedOut], kw_only=True):
    """One page of saved items of one kind, most recent first."""


class HistoryOut(msgspec.Struct, kw_only=True):
    id: str
    played_at: float
    duration_listened_ms: int
    completed: bool
    context: str | None
    track: TrackOut | None


class HistoryPage(Page[HistoryOut], kw_only=True):
    """Plays, newest first, within the retention period."""


class QueueOut(msgspec.Struct, kw_only=True):
    track_ids: list[str]
    position: int
    position_ms: int
    current: TrackOut | None
    upcoming: list[TrackOut]
    """The next tracks (up to 50) in play order."""
    shuffle: bool
    repeat: RepeatMode
    context: str | None
    version: int
    updated_at: float


class QueueReplace(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    track_ids: TrackIds
    position: Annotated[int, msgspec.Meta(ge=0)] = 0
    position_ms: Annotated[int, msgspec.Meta(ge=0)] = 0
    shuffle: bool = False
    """Shuffle on: the track at ``position`` plays first, the rest artist-spread."""
    repeat: RepeatMode = "off"
    context: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    base_version: Version | None = None


class QueuePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    position: Annotated[int, msgspec.Meta(ge=0)] | None = None
    position_ms: Annotated[int, msgspec.Meta(ge=0)] | None = None
    shuffle: bool | None = None
    repeat: RepeatMode | None = None
    base_version: Version | None = None


class QueueAdd(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    track_ids: Annotated[TrackIds, msgspec.Meta(min_length=1)]
    next: bool = False
    """True: play right after the current track; false: at the end."""
    base_version: Version | None = None
