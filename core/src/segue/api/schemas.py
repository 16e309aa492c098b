"""Payloads of the core HTTP API (msgspec Structs, returned and accepted directly)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from segue.models import Album, Artist, GenreCount, Page, Track, User

NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


# --- auth ---------------------------------------------------------------
class LoginRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: NonEmpty
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class LoginResponse(msgspec.Struct, kw_only=True):
    token: str
    """Send it as ``Authorization: Bearer <token>``."""
    expires_at: float
    """Unix time (seconds) after which the token is refused."""
    user: User


class ApiKeyRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: NonEmpty
    """What the key is for (shown in listings), e.g. "phone" or "beets sync"."""


class ApiKeyCreated(msgspec.Struct, kw_only=True):
    id: str
    name: str
    key: str
    """The secret itself; shown only in this response."""
    created_at: float


class ApiKeyInfo(msgspec.Struct, kw_only=True):
    id: str
    name: str
    created_at: float
    last_used_at: float | None


class NewUser(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: NonEmpty
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    is_admin: bool = False


# --- health ---------------------------------------------------------------
class SlotHealth(msgspec.Struct, kw_only=True):
    backend: str
    ok: bool
    error: str | None = None


class Health(msgspec.Struct, kw_only=True):
    status: Literal["ok", "degraded"]
    version: str
    slots: dict[str, SlotHealth]


# --- catalog ----------------------------------------------------------------
class TrackOut(msgspec.Struct, kw_only=True):
    """A track as the API shows it: public fields, links and plugins' extra fields."""

    id: str
    title: str
    artists: list[str]
    artist_id: str
    artist_name: str
    album: str | None
    album_id: str | None
    album_artist: str | None
    compilation: bool
    track_number: int | None
    disc_number: int | None
    year: int | None
    genres: list[str]
    label: str | None
    duration_ms: int
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    codec: str
    size: int
    play_count: int
    replaygain_track_gain: float | None
    replaygain_track_peak: float | None
    replaygain_album_gain: float | None
    replaygain_album_peak: float | None
    musicbrainz_recording_id: str | None
    musicbrainz_track_id: str | None
    musicbrainz_album_id: str | None
    musicbrainz_artist_id: str | None
    musicbrainz_album_artist_id: str | None
    path: str
    """The file's path below its library folder."""
    added_at: float
    missing: bool
    stream_url: str
    cover_url: str | None
    """The track's own cover, else its album's, else null."""
    extra: dict[str, Any]
    """Fields added by plugins (the ``extra_track_fields`` hook)."""

    @classmethod
    def build(cls, track: Track, *, cover_url: str | None, extra: dict[str, Any]) -> TrackOut:
        return cls(
            id=track.id,
            title=track.title,
            artists=track.artists,
            artist_id=track.artist_id,
            artist_name=track.artist_name,
            album=track.album,
            album_id=track.album_id,
            album_artist=track.album_artist,
            compilation=track.compilation,
            track_number=track.track_number,
            disc_number=track.disc_number,
            year=track.year,
            genres=track.genres,
            label=track.label,
            duration_ms=track.duration_ms,
            bitrate=track.bitrate,
            sample_rate=track.sample_rate,
            channels=track.channels,
            codec=track.codec,
            size=track.size,
            play_count=track.play_count,
            replaygain_track_gain=track.replaygain_track_gain,
            replaygain_track_peak=track.replaygain_track_peak,
            replaygain_album_gain=track.replaygain_album_gain,
            replaygain_album_peak=track.replaygain_album_peak,
            musicbrainz_recording_id=track.musicbrainz_recording_id,
            musicbrainz_track_id=track.musicbrainz_track_id,
            musicbrainz_album_id=track.musicbrainz_album_id,
            musicbrainz_artist_id=track.musicbrainz_artist_id,
            musicbrainz_album_artist_id=track.musicbrainz_album_artist_id,
            path=track.relpath,
            added_at=track.added_at,
            missing=track.missing,
            stream_url=f"/api/v1/tracks/{track.id}/stream",
            cover_url=cover_url,
            extra=extra,
        )


class AlbumOut(msgspec.Struct, kw_only=True):
    id: str
    title: str
    artist_id: str
    artist_name: str
    compilation: bool
    year: int | None
    genres: list[str]
    musicbrainz_id: str | None
    track_count: int
    duration_ms: int
    added_at: float
    cover_url: str | None
    """``/api/v1/albums/{id}/cover`` when one of its tracks has a cover, else null."""

    @classmethod
    def build(cls, album: Album) -> AlbumOut:
        return cls(
            id=album.id,
            title=album.title,
            artist_id=album.artist_id,
            artist_name=album.artist_name,
            compilation=album.compilation,
            year=album.year,
            genres=album.genres,
            musicbrainz_id=album.musicbrainz_id,
            track_count=album.track_count,
            duration_ms=album.duration_ms,
            added_at=album.added_at,
            cover_url=album_cover_url(album),
        )


def album_cover_url(album: Album) -> str | None:
    return f"/api/v1/albums/{album.id}/cover" if album.cover_track_id else None


class TrackPage(Page[TrackOut], kw_only=True):
    """One page of tracks: ``items`` from ``offset``, ``total`` matching the query."""


class AlbumPage(Page[AlbumOut], kw_only=True):
    """One page of albums."""


class ArtistPage(Page[Artist], kw_only=True):
    """One page of artists."""


class GenreList(msgspec.Struct, kw_only=True):
    items: list[GenreCount]
