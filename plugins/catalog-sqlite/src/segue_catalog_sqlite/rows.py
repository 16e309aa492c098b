"""Mapping between the catalog's msgspec Structs and SQLite rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple

import msgspec

from segue.catalog import identity
from segue.catalog.identity import sort_key
from segue.models import Album, Artist, Credential, ScannedTrack, Track, User

_json_encode = msgspec.json.Encoder().encode
_decode_names = msgspec.json.Decoder(list[str]).decode

# Every ScannedTrack field, in table column order. A model field missing here
# would be silently dropped, which the contract tests' round trip catches.
FACT_COLUMNS: tuple[str, ...] = (
    "root",
    "relpath",
    "size",
    "mtime_ns",
    "content_key",
    "codec",
    "duration_ms",
    "bitrate",
    "sample_rate",
    "channels",
    "title",
    "artists",
    "album",
    "album_artist",
    "compilation",
    "track_number",
    "disc_number",
    "year",
    "genres",
    "label",
    "musicbrainz_recording_id",
    "musicbrainz_track_id",
    "musicbrainz_album_id",
    "musicbrainz_artist_id",
    "musicbrainz_album_artist_id",
    "replaygain_track_gain",
    "replaygain_track_peak",
    "replaygain_album_gain",
    "replaygain_album_peak",
    "has_embedded_cover",
    "folder_cover",
)
_JSON_LISTS = frozenset({"artists", "genres"})
_BOOLS = frozenset({"compilation", "has_embedded_cover", "missing"})

# Columns computed from the facts whenever they are written: identity's grouping
# (ids, display names, sort keys) and the title's sort key.
DERIVED_COLUMNS: tuple[str, ...] = (*identity.Grouping._fields, "title_key")

TRACK_COLUMNS: tuple[str, ...] = (
    *FACT_COLUMNS,
    "id",
    "artist_id",
    "artist_name",
    "album_id",
    "play_count",
    "added_at",
    "updated_at",
    "missing",
)
TRACK_SELECT = ", ".join(f"t.{c}" for c in TRACK_COLUMNS)


_JSON_POSITIONS = tuple(i for i, c in enumerate(FACT_COLUMNS) if c in _JSON_LISTS)
_BOOL_POSITIONS = tuple(i for i, c in enumerate(FACT_COLUMNS) if c in _BOOLS)
if tuple(f.name for f in msgspec.structs.fields(ScannedTrack)) != FACT_COLUMNS:
    # fact_values relies on the struct's field order; fail at import, not with bad rows.
    raise RuntimeError("FACT_COLUMNS must list ScannedTrack's fields in their order")


def fact_values(track: ScannedTrack) -> list[Any]:
    """The fact columns' values for ``track`` (lists as JSON, bools as 0/1)."""
    values = list(msgspec.structs.astuple(track))
    for i in _JSON_POSITIONS:
        values[i] = _json_encode(values[i]).decode()
    for i in _BOOL_POSITIONS:
        values[i] = int(values[i])
    return values


class Derived(NamedTuple):
    """What identity computes from a track's tags, and the title's sort key."""

    grouping: identity.Grouping
    title_key: str

    @classmethod
    def of(cls, track: ScannedTrack) -> Derived:
        return cls(identity.grouping(track), sort_key(track.title))

    def values(self) -> tuple[Any, ...]:
        """Values in DERIVED_COLUMNS order."""
        return (*self.grouping, self.title_key)


def make_track(
    facts: ScannedTrack,
    derived: Derived,
    *,
    track_id: str,
    play_count: int,
    added_at: float,
    updated_at: float,
    missing: bool = False,
) -> Track:
    """The stored Track for ``facts``, without reading it back from the database."""
    return Track(
        **msgspec.structs.asdict(facts),
        id=track_id,
        artist_id=derived.grouping.artist_id,
        artist_name=derived.grouping.artist_name,
        album_id=derived.grouping.album_id,
        play_count=play_count,
        added_at=added_at,
        updated_at=updated_at,
        missing=missing,
    )


def track_from_row(row: Sequence[Any]) -> Track:
    """A Track from a row selected with ``TRACK_SELECT``."""
    fields: dict[str, Any] = {}
    for column, value in zip(TRACK_COLUMNS, row, strict=True):
        if column in _JSON_LISTS:
            value = _decode_names(value)
        elif column in _BOOLS:
            value = bool(value)
        fields[column] = value
    return Track(**fields)


ALBUM_SELECT = (
    "a.id, a.title, a.artist_id, a.artist_name, a.compilation, a.year, a.genres, "
    "a.musicbrainz_id, a.track_count, a.duration_ms, a.cover_track_id, a.added_at"
)


def album_from_row(row: sqlite3.Row) -> Album:
    return Album(
        id=row["id"],
        title=row["title"],
        artist_id=row["artist_id"],
        artist_name=row["artist_name"],
        compilation=bool(row["compilation"]),
        year=row["year"],
        genres=_decode_names(row["genres"]),
        musicbrainz_id=row["musicbrainz_id"],
        track_count=row["track_count"],
        duration_ms=row["duration_ms"],
        cover_track_id=row["cover_track_id"],
        added_at=row["added_at"],
    )


ARTIST_SELECT = "a.id, a.name, a.musicbrainz_id, a.album_count, a.track_count"


def artist_from_row(row: sqlite3.Row) -> Artist:
    return Artist(
        id=row["id"],
        name=row["name"],
        musicbrainz_id=row["musicbrainz_id"],
        album_count=row["album_count"],
        track_count=row["track_count"],
    )


USER_SELECT = "u.id, u.name, u.is_admin, u.created_at"


def user_from_row(row: sqlite3.Row) -> User:
    return User(
        id=row["id"], name=row["name"], is_admin=bool(row["is_admin"]), created_at=row["created_at"]
    )


CREDENTIAL_SELECT = (
    "c.id, c.user_id, c.kind, c.name, c.token_hash, c.created_at, c.expires_at, c.last_used_at"
)


def credential_from_row(row: sqlite3.Row) -> Credential:
    return Credential(
        id=row["id"],
        user_id=row["user_id"],
        kind=row["kind"],
        name=row["name"],
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
    )


def encode_json(value: Any) -> str:
    return _json_encode(value).decode()


def decode_names(text: str) -> list[str]:
    return _decode_names(text)
