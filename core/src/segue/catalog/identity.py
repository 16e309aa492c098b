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
