"""Segue's tracks, albums, artists and playlists in the Subsonic response shapes.

Shapes follow https://opensubsonic.netlify.app/docs/responses/ (``Child``,
``AlbumID3``, ``ArtistID3``, ``Playlist``); times are ISO 8601 in UTC.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from segue.http.media_types import audio_media_type
from segue.models import Album, Artist, Track
from segue.playlists.models import Playlist
from segue_subsonic.call import Call
from segue_subsonic.sealing import get_ratings

Payload = dict[str, Any]
SAVED_LIMIT = 5000
"""Starred items read per kind to annotate a response."""


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Annotations:
    """The caller's starred items (with dates) and ratings, read once per call."""

    def __init__(self, starred: dict[str, float], ratings: dict[str, int]) -> None:
        self.starred = starred
        self.ratings = ratings

    def apply(self, item_id: str, node: Payload) -> Payload:
        if item_id in self.starred:
            node["starred"] = iso(self.starred[item_id])
        if item_id in self.ratings:
            node["userRating"] = self.ratings[item_id]
        return node


async def notes_for(call: Call) -> Annotations:
    found = call.cache.get("annotations")
    if isinstance(found, Annotations):
        return found
    starred: dict[str, float] = {}
    playlists = call.context.playlists
    if playlists is not None:
        for kind in ("track", "album", "artist"):
            page = await playlists.list_saved(call.user.id, kind, 0, SAVED_LIMIT)
            starred.update({item.item_id: item.saved_at for item in page.items})
    result = Annotations(starred, await get_ratings(call.context, call.user.id))
    call.cache["annotations"] = result
    return result


def _genres(names: list[str]) -> list[Payload]:
    return [{"name": name} for name in names]


def song(track: Track, notes: Annotations) -> Payload:
    """A track as a ``Child`` (a song)."""
    suffix = PurePosixPath(track.relpath).suffix.lstrip(".").lower()
    cover = track.id if (track.has_embedded_cover or track.folder_cover) else track.album_id
    node: Payload = {
        "id": track.id,
        "parent": track.album_id,
        "isDir": False,
        "title": track.title,
        "album": track.album,
        "artist": track.artist_name,
        "track": track.track_number,
        "year": track.year,
        "genre": track.genres[0] if track.genres else None,
        "coverArt": cover,
        "size": track.size,
        "contentType": audio_media_type(track.relpath, track.codec),
        "suffix": suffix,
        "duration": round(track.duration_ms / 1000),
        "bitRate": round(track.bitrate / 1000) if track.bitrate else None,
        "samplingRate": track.sample_rate,
        "channelCount": track.channels,
        "path": track.relpath,
        "isVideo": False,
        "playCount": track.play_count,
        "discNumber": track.disc_number,
        "created": iso(track.added_at),
        "albumId": track.album_id,
        "artistId": track.artist_id,
        "type": "music",
        "mediaType": "song",
        "musicBrainzId": track.musicbrainz_recording_id,
        "genres": _genres(track.genres),
        "artists": [{"id": track.artist_id, "name": track.artist_name}],
        "displayArtist": track.artist_name,
        "displayAlbumArtist": track.album_artist or track.artist_name,
        "replayGain": _replay_gain(track),
    }
    return notes.apply(track.id, _compact(node))


def _replay_gain(track: Track) -> Payload | None:
    gain = {
        "trackGain": track.replaygain_track_gain,
        "albumGain": track.replaygain_album_gain,
        "trackPeak": track.replaygain_track_peak,
        "albumPeak": track.replaygain_album_peak,
    }
    present = _compact(gain)
    return present or None


def album(item: Album, notes: Annotations, *, play_count: int | None = None) -> Payload:
    """An album as an ``AlbumID3``."""
    node: Payload = {
        "id": item.id,
        "name": item.title,
        "artist": item.artist_name,
        "artistId": item.artist_id,
        "coverArt": item.id if item.cover_track_id else None,
        "songCount": item.track_count,
        "duration": round(item.duration_ms / 1000),
        "playCount": play_count,
        "created": iso(item.added_at or time.time()),
        "year": item.year,
        "genre": item.genres[0] if item.genres else None,
        "musicBrainzId": item.musicbrainz_id,
        "isCompilation": item.compilation,
        "genres": _genres(item.genres),
        "artists": [{"id": item.artist_id, "name": item.artist_name}],
        "displayArtist": item.artist_name,
    }
    return notes.apply(item.id, _compact(node))


def album_dir(item: Album, notes: Annotations) -> Payload:
    """An album as a ``Child`` directory (the folder-based API: getMusicDirectory, getAlbumList)."""
    node: Payload = {
        "id": item.id,
        "parent": item.artist_id,
        "isDir": True,
        "title": item.title,
        "name": item.title,
        "album": item.title,
        "artist": item.artist_name,
        "year": item.year,
        "genre": item.genres[0] if item.genres else None,
        "coverArt": item.id if item.cover_track_id else None,
        "duration": round(item.duration_ms / 1000),
        "created": iso(item.added_at or time.time()),
        "albumId": item.id,
        "artistId": item.artist_id,
        "songCount": item.track_count,
        "isVideo": False,
    }
    return notes.apply(item.id, _compact(node))


def artist(item: Artist, notes: Annotations) -> Payload:
    """An artist as an ``ArtistID3``."""
    node: Payload = {
        "id": item.id,
        "name": item.name,
        "albumCount": item.album_count,
        "musicBrainzId": item.musicbrainz_id,
    }
    return notes.apply(item.id, _compact(node))


def playlist(
    item: Playlist, owner: str, tracks: list[Track] | None, *, song_count: int, duration_s: int
) -> Payload:
    """A playlist's ``Playlist`` fields (``entry`` songs are added by getPlaylist)."""
    cover = next((t.album_id for t in tracks or [] if t.album_id), None)
    return _compact(
        {
            "id": item.id,
            "name": item.name,
            "comment": item.description or None,
            "owner": owner,
            "public": item.public,
            "songCount": song_count,
            "duration": duration_s,
            "created": iso(item.created_at),
            "changed": iso(item.updated_at),
            "coverArt": cover,
            "readonly": None,
        }
    )


def _compact(node: Payload) -> Payload:
    return {k: v for k, v in node.items() if v is not None and v != []}


def index_letter(name: str, ignored: tuple[str, ...]) -> str:
    """The index heading of an artist name: its first letter after ignored articles, or #."""
    words = name.split()
    if len(words) > 1 and words[0].lower() in ignored:
        name = " ".join(words[1:])
    first = name[:1].upper()
    return first if first.isalpha() else "#"
