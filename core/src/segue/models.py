"""Data shapes shared by the core, the slots and the HTTP API (msgspec Structs)."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

import msgspec

T = TypeVar("T")


class ScannedTrack(msgspec.Struct, kw_only=True):
    """What ingestion read from one audio file: file facts and tags, no ids.

    ``root`` is one of the configured library paths and ``relpath`` the
    file's path below it (POSIX separators); together they locate the file.
    """

    root: str
    relpath: str
    size: int
    mtime_ns: int
    content_key: str
    """Hash of the file's size and first and last bytes; finds moved files."""
    codec: str
    duration_ms: int
    bitrate: int | None = None
    """Bits per second."""
    sample_rate: int | None = None
    channels: int | None = None
    title: str
    artists: list[str] = []
    album: str | None = None
    album_artist: str | None = None
    compilation: bool = False
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    genres: list[str] = []
    label: str | None = None
    musicbrainz_recording_id: str | None = None
    musicbrainz_track_id: str | None = None
    musicbrainz_album_id: str | None = None
    musicbrainz_artist_id: str | None = None
    musicbrainz_album_artist_id: str | None = None
    replaygain_track_gain: float | None = None
    replaygain_track_peak: float | None = None
    replaygain_album_gain: float | None = None
    replaygain_album_peak: float | None = None
    has_embedded_cover: bool = False
    folder_cover: str | None = None
    """relpath of a cover image next to the file (cover.jpg, folder.png...)."""


class Track(ScannedTrack, kw_only=True):
    """A track as the catalog stores it."""

    id: str
    artist_id: str
    artist_name: str
    album_id: str | None = None
    play_count: int = 0
    added_at: float
    updated_at: float
    missing: bool = False
    """True while the file cannot be found; hidden from listings."""


class Artist(msgspec.Struct, kw_only=True):
    id: str
    name: str
    musicbrainz_id: str | None = None
    album_count: int = 0
    track_count: int = 0


class Album(msgspec.Struct, kw_only=True):
    id: str
    title: str
    artist_id: str
    artist_name: str
    compilation: bool = False
    year: int | None = None
    genres: list[str] = []
    musicbrainz_id: str | None = None
    track_count: int = 0
    duration_ms: int = 0
    cover_track_id: str | None = None
    """A track of the album whose embedded or folder cover stands for it."""
    added_at: float = 0.0


class GenreCount(msgspec.Struct, kw_only=True):
    name: str
    track_count: int
    album_count: int


SortOrder = Literal["asc", "desc"]


class ListQuery(msgspec.Struct, kw_only=True):
    """Paging, sorting and filtering for catalog listings."""

    offset: int = 0
    limit: int = 50
    sort: str = "name"
    """Backends accept: tracks: title, artist, album, year, added, duration,
    play_count; albums: title, artist, year, added; artists: name."""
    order: SortOrder = "asc"
    genre: str | None = None
    year: int | None = None
    artist_id: str | None = None
    album_id: str | None = None


class Page(msgspec.Struct, Generic[T], kw_only=True):
    items: list[T]
    total: int
    offset: int
    limit: int


class FileState(msgspec.Struct, frozen=True, kw_only=True):
    """What the catalog remembers of one file, for incremental scans."""

    track_id: str
    relpath: str
    size: int
    mtime_ns: int
    content_key: str
    missing: bool


class ScanChanges(msgspec.Struct, kw_only=True):
    """One batch of a scan's findings under one library root."""

    root: str
    added: list[ScannedTrack] = []
    updated: list[tuple[str, ScannedTrack]] = []
    """(track id, new facts) for files whose size or mtime changed."""
    moved: list[tuple[str, ScannedTrack]] = []
    """(track id, new facts) for known files found at a new path, or back."""
    removed: list[str] = []
    """Ids of tracks whose file is gone."""


class ScanApplied(msgspec.Struct, kw_only=True):
    added: list[Track] = []
    changed: list[Track] = []
    removed: list[str] = []


class ScanProblem(msgspec.Struct, kw_only=True):
    root: str
    relpath: str
    reason: str
    seen_at: float


class ScanReport(msgspec.Struct, kw_only=True):
    """The outcome of one scan, kept by the catalog for the admin API."""

    started_at: float
    finished_at: float | None = None
    state: Literal["running", "finished", "failed"] = "running"
    files_seen: int = 0
    files_read: int = 0
    added: int = 0
    changed: int = 0
    moved: int = 0
    removed: int = 0
    problems: int = 0
    error: str | None = None


class User(msgspec.Struct, kw_only=True):
    id: str
    name: str
    is_admin: bool = False
    created_at: float


CredentialKind = Literal["session", "api_key"]


class Credential(msgspec.Struct, kw_only=True):
    """A bearer token or API key. Only a hash of the secret is stored."""

    id: str
    user_id: str
    kind: CredentialKind
    name: str
    token_hash: str
    created_at: float
    expires_at: float | None = None
    last_used_at: float | None = None


class PlaybackEvent(msgspec.Struct, kw_only=True):
    """A playback report from a player (the seed's report shape)."""

    id: str
    user_id: str
    track_id: str
    duration_listened_ms: int
    completed: bool
    device_id: str
    session_id: str
    quality: str | None = None
    context: str | None = None
    reported_at: float
