"""Reading tracks, albums and artists by id (one or many), genres, and counting plays."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence

from segue.models import Album, Artist, GenreCount, Track
from segue_catalog_sqlite.rows import (
    ALBUM_SELECT,
    ARTIST_SELECT,
    TRACK_SELECT,
    album_from_row,
    artist_from_row,
    encode_json,
    track_from_row,
)


def get_track(conn: sqlite3.Connection, track_id: str) -> Track | None:
    """Missing tracks are returned too (flagged ``missing``): playlists still refer to them."""
    row = conn.execute(f"SELECT {TRACK_SELECT} FROM tracks AS t WHERE t.id = ?", (track_id,))
    found = row.fetchone()
    return None if found is None else track_from_row(found)


def get_tracks(conn: sqlite3.Connection, track_ids: Sequence[str]) -> list[Track]:
    """The known tracks among ``track_ids``, in the order (and with the repeats) asked."""
    rows = conn.execute(
        f"SELECT {TRACK_SELECT} FROM tracks AS t WHERE t.id IN (SELECT value FROM json_each(?))",
        (encode_json(list(track_ids)),),
    )
    by_id = {track.id: track for track in map(track_from_row, rows)}
    return [by_id[i] for i in track_ids if i in by_id]


# The ids travel as one JSON parameter (like get_tracks): one query for any
# number of ids, never near SQLite's limit on bound variables.
def get_albums(conn: sqlite3.Connection, album_ids: Sequence[str]) -> list[Album]:
    """The known albums among ``album_ids``, in the order (and with the repeats) asked."""
    rows = conn.execute(
        f"SELECT {ALBUM_SELECT} FROM albums AS a WHERE a.id IN (SELECT value FROM json_each(?))",
        (encode_json(list(album_ids)),),
    )
    by_id = {album.id: album for album in map(album_from_row, rows)}
    return [by_id[i] for i in album_ids if i in by_id]


def get_artists(conn: sqlite3.Connection, artist_ids: Sequence[str]) -> list[Artist]:
    """The known artists among ``artist_ids``, in the order (and with the repeats) asked."""
    rows = conn.execute(
        f"SELECT {ARTIST_SELECT} FROM artists AS a WHERE a.id IN (SELECT value FROM json_each(?))",
        (encode_json(list(artist_ids)),),
    )
    by_id = {artist.id: artist for artist in map(artist_from_row, rows)}
    return [by_id[i] for i in artist_ids if i in by_id]


def get_album(conn: sqlite3.Connection, album_id: str) -> Album | None:
    row = conn.execute(f"SELECT {ALBUM_SELECT} FROM albums AS a WHERE a.id = ?", (album_id,))
    found = row.fetchone()
    return None if found is None else album_from_row(found)


def get_artist(conn: sqlite3.Connection, artist_id: str) -> Artist | None:
    row = conn.execute(f"SELECT {ARTIST_SELECT} FROM artists AS a WHERE a.id = ?", (artist_id,))
    found = row.fetchone()
    return None if found is None else artist_from_row(found)


def list_genres(conn: sqlite3.Connection) -> list[GenreCount]:
    """Genres of present tracks, one per case-insensitive name, shown as most often tagged."""
    spellings = conn.execute(
        "SELECT g.genre_key, g.genre, count(*) FROM track_genres AS g "
        "JOIN tracks AS t ON t.id = g.track_id WHERE t.missing = 0 "
        "GROUP BY g.genre_key, g.genre ORDER BY g.genre_key, g.genre"
    ).fetchall()
    counts = conn.execute(
        "SELECT g.genre_key, count(*), count(DISTINCT t.album_id) FROM track_genres AS g "
        "JOIN tracks AS t ON t.id = g.track_id WHERE t.missing = 0 GROUP BY g.genre_key"
    ).fetchall()
    shown: dict[str, Counter[str]] = {}
    for key, genre, count in spellings:
        shown.setdefault(key, Counter())[genre] = count
    genres = [
        GenreCount(name=shown[key].most_common(1)[0][0], track_count=tracks, album_count=albums)
        for key, tracks, albums in counts
    ]
    return sorted(genres, key=lambda g: (g.name.casefold(), g.name))


def add_play_counts(conn: sqlite3.Connection, counts: dict[str, int]) -> None:
    conn.executemany(
        "UPDATE tracks SET play_count = play_count + ? WHERE id = ?",
        [(plays, track_id) for track_id, plays in counts.items()],
    )
