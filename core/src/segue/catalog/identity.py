"""Stable artist and album ids, computed the same way by every catalog backend.

Grouping follows what listeners expect: an album belongs to its album
artist (or "Various Artists" when tagged as a compilation), a MusicBrainz
id wins over names when present, and names are compared case- and
accent-insensitively so that "Beyoncé" and "BEYONCE" are one artist.
"""

from __future__ import annotations

import hashlib
import unicodedata

from segue.models import ScannedTrack

VARIOUS_ARTISTS = "Various Artists"
UNKNOWN_ARTIST = "Unknown Artist"


def fold(text: str) -> str:
    """Lowercase, strip accents and collapse whitespace (for grouping, not display)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def artist_id(name: str, musicbrainz_id: str | None = None) -> str:
    if musicbrainz_id:
        return "ar" + _digest("mbid", musicbrainz_id.lower())
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
    primary = track.artists[0] if track.artists else UNKNOWN_ARTIST
    return artist_id(primary, track.musicbrainz_artist_id)


def album_artist_id(track: ScannedTrack) -> str:
    mbid = track.musicbrainz_album_artist_id
    if not track.album_artist and not track.compilation:
        mbid = mbid or track.musicbrainz_artist_id
    return artist_id(album_artist_name(track), mbid)


def album_id(track: ScannedTrack) -> str | None:
    """None for a track without an album tag (a single, or untagged)."""
    if not track.album:
        return None
    if track.musicbrainz_album_id:
        return "al" + _digest("mbid", track.musicbrainz_album_id.lower())
    return "al" + _digest("name", fold(album_artist_name(track)), fold(track.album))
