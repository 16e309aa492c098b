"""Stable artist and album ids, computed the same way by every catalog backend.

Grouping follows what listeners expect: an album belongs to its album
artist (or "Various Artists" when tagged as a compilation), and names are
compared case- and accent-insensitively so that "Beyoncé" and "BEYONCE" are
one artist. An artist is keyed by its folded name alone: libraries are
rarely tagged uniformly, and keying by MusicBrainz id split one artist in
two whenever some files carried the id and others did not. The id is kept
as the artist's attribute instead. An album's MusicBrainz release id does
key the album, because a release is tagged as a whole.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from segue.models import ScannedTrack

VARIOUS_ARTISTS = "Various Artists"
UNKNOWN_ARTIST = "Unknown Artist"


def fold(text: str) -> str:
    """Lowercase, strip accents and collapse whitespace (for grouping, not display)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def sort_key(text: str) -> str:
    """``fold``, with a fast path for ASCII text (most tags): same result, far cheaper."""
    if text.isascii():
        return " ".join(text.lower().split())
    return fold(text)


def genre_key(genre: str) -> str:
    """How genres match: exact once whitespace is normalized, ignoring case."""
    return " ".join(genre.split()).casefold()


def genre_pairs(genres: Iterable[str]) -> list[tuple[str, str]]:
    """(match key, display name) for each distinct non-blank genre, in tag order."""
    seen: dict[str, str] = {}
    for name in genres:
        key = genre_key(name)
        if key:
            seen.setdefault(key, " ".join(name.split()))
    return list(seen.items())


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def artist_id(name: str) -> str:
    """The artist's id: its folded name, so every spelling and tagging of it is one artist."""
    return "ar" + _digest("name", fold(name))


def track_artist_name(track: ScannedTrack) -> str:
    """The name shown for a track's artist: its artists joined, or Unknown Artist."""
    return ", ".join(track.artists) if track.artists else UNKNOWN_ARTIST


def album_artist_name(track: ScannedTrack) -> str:
    if track.album_artist:
        return track.album_artist
    if track.compilation:
        return VARIOUS_ARTISTS
    return track.artists[0] if track.artists else UNKNOWN_ARTIST


def track_artist_id(track: ScannedTrack) -> str:
    return artist_id(track.artists[0] if track.artists else UNKNOWN_ARTIST)


def album_artist_id(track: ScannedTrack) -> str:
    return artist_id(album_artist_name(track))


def album_id(track: ScannedTrack) -> str | None:
    """None for a track without an album tag (a single, or untagged)."""
    if not track.album:
        return None
    if track.musicbrainz_album_id:
        return "al" + _digest("mbid", track.musicbrainz_album_id.lower())
    return "al" + _digest("name", fold(album_artist_name(track)), fold(track.album))


class Grouping(NamedTuple):
    """Everything a catalog derives from a track's artist and album tags."""

    artist_id: str
    artist_name: str
    primary_artist_name: str
    album_artist_id: str
    album_artist_name: str
    album_artist_mbid: str | None
    album_id: str | None
    artist_key: str
    album_key: str | None


def grouping(track: ScannedTrack) -> Grouping:
    """The track's artist and album ids, names and sort keys."""
    return _grouping(
        tuple(track.artists),
        track.album,
        track.album_artist,
        track.compilation,
        track.musicbrainz_artist_id,
        track.musicbrainz_album_id,
        track.musicbrainz_album_artist_id,
    )


@lru_cache(maxsize=8192)
def _grouping(
    artists: tuple[str, ...],
    album: str | None,
    album_artist: str | None,
    compilation: bool,
    musicbrainz_artist_id: str | None,
    musicbrainz_album_id: str | None,
    musicbrainz_album_artist_id: str | None,
) -> Grouping:
    # Cached by the only tags it reads: a scan sees the same artist and album
    # tags on many tracks, and folding names is the costliest step of a batch.
    tags = ScannedTrack(
        root="",
        relpath="",
        size=0,
        mtime_ns=0,
        content_key="",
        codec="",
        duration_ms=0,
        title="",
        artists=list(artists),
        album=album,
        album_artist=album_artist,
        compilation=compilation,
        musicbrainz_artist_id=musicbrainz_artist_id,
        musicbrainz_album_id=musicbrainz_album_id,
        musicbrainz_album_artist_id=musicbrainz_album_artist_id,
    )
    artist_name = track_artist_name(tags)
    # The MusicBrainz id kept as the album artist's attribute: the album
    # artist's own, or the track artist's when they are the same person.
    album_artist_mbid = musicbrainz_album_artist_id
    if not album_artist and not compilation:
        album_artist_mbid = album_artist_mbid or musicbrainz_artist_id
    return Grouping(
        artist_id=track_artist_id(tags),
        artist_name=artist_name,
        primary_artist_name=artists[0] if artists else UNKNOWN_ARTIST,
        album_artist_id=album_artist_id(tags),
        album_artist_name=album_artist_name(tags),
        album_artist_mbid=album_artist_mbid or None,
        album_id=album_id(tags),
        artist_key=sort_key(artist_name),
        album_key=sort_key(album) if album else None,
    )
