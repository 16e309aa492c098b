"""Album and artist rows: aggregates over present tracks, recomputed per scan batch.

Only the albums and artists a batch touched are recomputed, inside the
batch's transaction, so listings never see a half-applied scan.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from segue.catalog.identity import sort_key
from segue_catalog_sqlite.rows import encode_json

K = TypeVar("K", bound=Hashable)


@dataclass
class Touched:
    """The albums and artists whose aggregates a batch may have changed."""

    albums: set[str] = field(default_factory=set)
    artists: set[str] = field(default_factory=set)

    def add(self, album_id: str | None, artist_id: str, album_artist_id: str) -> None:
        if album_id is not None:
            self.albums.add(album_id)
        self.artists.add(artist_id)
        self.artists.add(album_artist_id)


def recompute(conn: sqlite3.Connection, touched: Touched) -> None:
    # Albums first: an artist's album_count is read from the albums table.
    if touched.albums:
        _recompute_albums(conn, sorted(touched.albums))
    if touched.artists:
        _recompute_artists(conn, sorted(touched.artists))


def weighted_mode(counts: dict[K, int]) -> K:
    """The value with the highest count; ties go to the one seen first."""
    return max(counts.items(), key=lambda item: item[1])[0]


def _add(counts: dict[K, int], key: K, n: int) -> None:
    counts[key] = counts.get(key, 0) + n


class _AlbumTally:
    """Sums and value counts of one album's present tracks, fed by grouped rows."""

    def __init__(self) -> None:
        self.track_count = 0
        self.duration_ms = 0
        self.added_at = float("inf")
        self.compilation = 0
        self.titles: dict[str, int] = {}
        self.artists: dict[str, int] = {}
        self.artist_names: dict[tuple[str, str], int] = {}
        self.years: dict[int, int] = {}
        self.mbids: dict[str, int] = {}
        self.genres: list[tuple[str, str]] = []
        self.cover_track_id: str | None = None

    def row(self, album_id: str) -> list[Any]:
        title = weighted_mode(self.titles)
        artist_id = weighted_mode(self.artists)
        artist_name = weighted_mode(
            {name: n for (aid, name), n in self.artist_names.items() if aid == artist_id}
        )
        return [
            album_id,
            title,
            artist_id,
            artist_name,
            self.compilation,
            weighted_mode(self.years) if self.years else None,
            encode_json([shown for _key, shown in self.genres]),
            weighted_mode(self.mbids) if self.mbids else None,
            self.track_count,
            self.duration_ms,
            self.cover_track_id,
            self.added_at,
            sort_key(title),
            sort_key(artist_name),
        ]


# Tracks of an album mostly share their album tags, so grouping by them
# returns about one row per album: the tallying stays in SQLite's C code.
_ALBUM_TAGS = """
SELECT album_id, album, album_artist_id, album_artist_name, year, musicbrainz_album_id,
       count(*), sum(duration_ms), min(added_at), max(compilation)
FROM tracks WHERE missing = 0 AND album_id IN (SELECT value FROM json_each(?))
GROUP BY album_id, album, album_artist_id, album_artist_name, year, musicbrainz_album_id
"""
# The first track in play order that has a cover (SQLite takes the bare
# column `id` from the row holding the min).
_ALBUM_COVERS = """
SELECT album_id, id,
       min(printf('%09d %09d %s', coalesce(disc_number, 1), coalesce(track_number, 999999999), relpath))
FROM tracks
WHERE missing = 0 AND album_id IN (SELECT value FROM json_each(?))
  AND (has_embedded_cover OR folder_cover IS NOT NULL)
GROUP BY album_id
"""
_ALBUM_GENRES = """
SELECT t.album_id, g.genre_key, min(g.genre), count(*) AS n
FROM tracks AS t JOIN track_genres AS g ON g.track_id = t.id
WHERE t.missing = 0 AND t.album_id IN (SELECT value FROM json_each(?))
GROUP BY t.album_id, g.genre_key
ORDER BY t.album_id, n DESC, g.genre_key
"""


def _recompute_albums(conn: sqlite3.Connection, album_ids: list[str]) -> None:
    ids = encode_json(album_ids)
    tallies: dict[str, _AlbumTally] = {}
    for album_id, title, aid, aname, year, mbid, n, duration, added, comp in conn.execute(
        _ALBUM_TAGS, (ids,)
    ):
        tally = tallies.get(album_id) or tallies.setdefault(album_id, _AlbumTally())
        tally.track_count += n
        tally.duration_ms += duration
        tally.added_at = min(tally.added_at, added)
        tally.compilation = max(tally.compilation, comp)
        _add(tally.titles, title, n)
        _add(tally.artists, aid, n)
        _add(tally.artist_names, (aid, aname), n)
        if year is not None:
            _add(tally.years, year, n)
        if mbid:
            _add(tally.mbids, mbid, n)
    for album_id, track_id, _order in conn.execute(_ALBUM_COVERS, (ids,)):
        tallies[album_id].cover_track_id = track_id
    for album_id, key, shown, _n in conn.execute(_ALBUM_GENRES, (ids,)):
        tallies[album_id].genres.append((key, shown))

    # Explicit, not left to ON DELETE CASCADE: correct even without foreign_keys on.
    conn.execute(
        "DELETE FROM album_genres WHERE album_id IN (SELECT value FROM json_each(?))", (ids,)
    )
    conn.execute("DELETE FROM albums WHERE id IN (SELECT value FROM json_each(?))", (ids,))
    conn.executemany(
        "INSERT INTO albums (id, title, artist_id, artist_name, compilation, year, genres, "
        "musicbrainz_id, track_count, duration_ms, cover_track_id, added_at, title_key, "
        "artist_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [tally.row(album_id) for album_id, tally in tallies.items()],
    )
    conn.executemany(
        "INSERT INTO album_genres (album_id, genre_key) VALUES (?, ?)",
        [(album_id, key) for album_id, tally in tallies.items() for key, _ in tally.genres],
    )


# An artist's tracks are those it performs or whose album it is the album
# artist of. A track credited both ways counts once: the album-artist side
# only counts tracks performed by someone else (last column).
_ARTIST_CREDITS = """
SELECT artist_id, primary_artist_name, musicbrainz_artist_id, count(*), count(*)
FROM tracks WHERE missing = 0 AND artist_id IN (SELECT value FROM json_each(?1))
GROUP BY artist_id, primary_artist_name, musicbrainz_artist_id
UNION ALL
SELECT album_artist_id, album_artist_name, album_artist_mbid, count(*),
       sum(artist_id <> album_artist_id)
FROM tracks WHERE missing = 0 AND album_artist_id IN (SELECT value FROM json_each(?1))
GROUP BY album_artist_id, album_artist_name, album_artist_mbid
"""


def _recompute_artists(conn: sqlite3.Connection, artist_ids: list[str]) -> None:
    ids = encode_json(artist_ids)
    names: dict[str, dict[str, int]] = {}
    mbids: dict[str, dict[str, int]] = {}
    track_counts: dict[str, int] = {}
    for aid, name, mbid, credits, tracks in conn.execute(_ARTIST_CREDITS, (ids,)):
        _add(names.setdefault(aid, {}), name, credits)
        if mbid:
            _add(mbids.setdefault(aid, {}), mbid, credits)
        _add(track_counts, aid, tracks)
    album_counts = dict(
        conn.execute(
            "SELECT artist_id, count(*) FROM albums "
            "WHERE artist_id IN (SELECT value FROM json_each(?)) GROUP BY artist_id",
            (ids,),
        ).fetchall()
    )

    conn.execute("DELETE FROM artists WHERE id IN (SELECT value FROM json_each(?))", (ids,))
    rows = []
    for aid, spellings in names.items():
        name = weighted_mode(spellings)
        rows.append(
            (
                aid,
                name,
                weighted_mode(mbids[aid]) if aid in mbids else None,
                album_counts.get(aid, 0),
                track_counts[aid],
                sort_key(name),
            )
        )
    conn.executemany(
        "INSERT INTO artists (id, name, musicbrainz_id, album_count, track_count, name_key) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
