"""Paged, sorted, filtered listings of tracks, albums and artists.

The rules (orders, filters, paging) are segue.catalog.listing_rules'; here
logical fields map to fixed SQL fragments: nothing a client sends is ever
spliced into SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from segue.catalog.identity import genre_key
from segue.catalog.listing_rules import (
    SortKeys,
    album_sort,
    artist_sort,
    check_paging,
    track_sort,
)
from segue.models import Album, Artist, ListQuery, Page, Track
from segue_catalog_sqlite.rows import (
    ALBUM_SELECT,
    ARTIST_SELECT,
    TRACK_SELECT,
    album_from_row,
    artist_from_row,
    track_from_row,
)

T = TypeVar("T")

# Logical sort fields as SQL, per table alias.
_TRACK_FIELDS = {
    "disc": "coalesce(t.disc_number, 1)",
    "track_number_missing": "t.track_number IS NULL",
    "track_number": "t.track_number",
    "title": "t.title_key",
    "artist": "t.artist_key",
    "album_missing": "t.album_key IS NULL",
    "album": "t.album_key",
    "year_missing": "t.year IS NULL",
    "year": "t.year",
    "added": "t.added_at",
    "duration": "t.duration_ms",
    "play_count": "t.play_count",
}
_ALBUM_FIELDS = {
    "title": "a.title_key",
    "artist": "a.artist_key",
    "year_missing": "a.year IS NULL",
    "year": "a.year",
    "added": "a.added_at",
}
_ARTIST_FIELDS = {"name": "a.name_key"}


@dataclass
class _Where:
    clauses: list[str]
    params: list[Any]

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def list_tracks(conn: sqlite3.Connection, query: ListQuery) -> Page[Track]:
    keys = track_sort(query)
    where = _Where(["t.missing = 0"], [])
    if query.genre is not None:
        where.clauses.append(
            "t.id IN (SELECT track_id FROM track_genres WHERE genre_key = ?)",
        )
        where.params.append(genre_key(query.genre))
    if query.year is not None:
        where.clauses.append("t.year = ?")
        where.params.append(query.year)
    if query.artist_id is not None:
        where.clauses.append("(t.artist_id = ? OR t.album_artist_id = ?)")
        where.params += [query.artist_id, query.artist_id]
    if query.album_id is not None:
        where.clauses.append("t.album_id = ?")
        where.params.append(query.album_id)
    return _page(
        conn, query, "tracks AS t", TRACK_SELECT, where, keys, _TRACK_FIELDS, track_from_row
    )


def list_albums(conn: sqlite3.Connection, query: ListQuery) -> Page[Album]:
    keys = album_sort(query)
    where = _Where([], [])
    if query.genre is not None:
        where.clauses.append("a.id IN (SELECT album_id FROM album_genres WHERE genre_key = ?)")
        where.params.append(genre_key(query.genre))
    if query.year is not None:
        where.clauses.append("a.year = ?")
        where.params.append(query.year)
    if query.artist_id is not None:
        where.clauses.append("a.artist_id = ?")
        where.params.append(query.artist_id)
    return _page(
        conn, query, "albums AS a", ALBUM_SELECT, where, keys, _ALBUM_FIELDS, album_from_row
    )


def list_artists(conn: sqlite3.Connection, query: ListQuery) -> Page[Artist]:
    keys = artist_sort(query)
    where = _Where([], [])
    if query.genre is not None:
        # Artists who perform, or are the album artist of, a present track of the genre.
        where.clauses.append(
            "a.id IN (SELECT t.artist_id FROM tracks AS t JOIN track_genres AS g "
            "ON g.track_id = t.id WHERE g.genre_key = ? AND t.missing = 0 "
            "UNION SELECT t.album_artist_id FROM tracks AS t JOIN track_genres AS g "
            "ON g.track_id = t.id WHERE g.genre_key = ? AND t.missing = 0)"
        )
        where.params += [genre_key(query.genre)] * 2
    return _page(
        conn, query, "artists AS a", ARTIST_SELECT, where, keys, _ARTIST_FIELDS, artist_from_row
    )


def _page(
    conn: sqlite3.Connection,
    query: ListQuery,
    table: str,
    columns: str,
    where: _Where,
    keys: SortKeys,
    fields: dict[str, str],
    build: Callable[[sqlite3.Row], T],
) -> Page[T]:
    check_paging(query)
    direction = "DESC" if query.order == "desc" else "ASC"
    alias = table.rsplit(" ", 1)[-1]
    order = ", ".join(
        [f"{fields[name]} {direction if follows else 'ASC'}" for name, follows in keys]
        + [f"{alias}.id {direction}"]
    )
    sql_where, params = where.sql(), where.params
    total = conn.execute(f"SELECT count(*) FROM {table} WHERE {sql_where}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT {columns} FROM {table} WHERE {sql_where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, query.limit, query.offset],
    ).fetchall()
    return Page(
        items=[build(row) for row in rows], total=total, offset=query.offset, limit=query.limit
    )
