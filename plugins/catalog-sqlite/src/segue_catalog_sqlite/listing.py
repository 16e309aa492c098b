"""Paged, sorted, filtered listings of tracks, albums and artists.

Sort keys and filters map to fixed SQL fragments: nothing a client sends is
ever spliced into SQL, and an unknown key is an error naming the allowed ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from segue.errors import InvalidInput
from segue.models import Album, Artist, ListQuery, Page, Track
from segue_catalog_sqlite.rows import (
    ALBUM_SELECT,
    ARTIST_SELECT,
    TRACK_SELECT,
    album_from_row,
    artist_from_row,
    genre_key,
    track_from_row,
)

T = TypeVar("T")

DEFAULT_SORT = "name"
"""ListQuery's default; means each listing's natural order."""

# (SQL expression, follows the asked order?) - secondary keys stay ascending
# so that e.g. artists sorted Z-A still list each artist's albums in order.
SortKeys = tuple[tuple[str, bool], ...]

_ALBUM_ORDER: SortKeys = (
    ("coalesce(t.disc_number, 1)", True),
    ("t.track_number IS NULL", False),
    ("t.track_number", True),
    ("t.title_key", False),
)
_TRACK_SORTS: dict[str, SortKeys] = {
    "title": (("t.title_key", True),),
    "artist": (
        ("t.artist_key", True),
        ("t.album_key IS NULL", False),
        ("t.album_key", False),
        *((expr, False) for expr, _ in _ALBUM_ORDER),
    ),
    "album": (
        ("t.album_key IS NULL", False),
        ("t.album_key", True),
        *((expr, False) for expr, _ in _ALBUM_ORDER),
    ),
    "year": (("t.year IS NULL", False), ("t.year", True), ("t.artist_key", False)),
    "added": (("t.added_at", True),),
    "duration": (("t.duration_ms", True),),
    "play_count": (("t.play_count", True),),
}
_ALBUM_SORTS: dict[str, SortKeys] = {
    "title": (("a.title_key", True),),
    "artist": (
        ("a.artist_key", True),
        ("a.year IS NULL", False),
        ("a.year", False),
        ("a.title_key", False),
    ),
    "year": (("a.year IS NULL", False), ("a.year", True), ("a.title_key", False)),
    "added": (("a.added_at", True),),
}
_ARTIST_SORTS: dict[str, SortKeys] = {"name": (("a.name_key", True),)}


@dataclass
class _Where:
    clauses: list[str]
    params: list[Any]

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def list_tracks(conn: sqlite3.Connection, query: ListQuery) -> Page[Track]:
    if query.sort == DEFAULT_SORT:
        keys = _ALBUM_ORDER if query.album_id is not None else _TRACK_SORTS["title"]
    else:
        keys = _sort_keys("tracks", query.sort, _TRACK_SORTS)
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
    return _page(conn, query, "tracks AS t", TRACK_SELECT, where, keys, track_from_row)


def list_albums(conn: sqlite3.Connection, query: ListQuery) -> Page[Album]:
    sort = "title" if query.sort == DEFAULT_SORT else query.sort
    keys = _sort_keys("albums", sort, _ALBUM_SORTS)
    _refuse_filters("albums", album_id=query.album_id)
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
    return _page(conn, query, "albums AS a", ALBUM_SELECT, where, keys, album_from_row)


def list_artists(conn: sqlite3.Connection, query: ListQuery) -> Page[Artist]:
    keys = _sort_keys("artists", query.sort, _ARTIST_SORTS)
    _refuse_filters(
        "artists",
        year=query.year,
        artist_id=query.artist_id,
        album_id=query.album_id,
    )
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
    return _page(conn, query, "artists AS a", ARTIST_SELECT, where, keys, artist_from_row)


def _sort_keys(listing: str, sort: str, sorts: dict[str, SortKeys]) -> SortKeys:
    keys = sorts.get(sort)
    if keys is None:
        allowed = ", ".join(f"'{name}'" for name in sorts)
        raise InvalidInput(
            f"cannot sort {listing} by '{sort}': sort must be one of {allowed} "
            f"(or '{DEFAULT_SORT}' for the default order)"
        )
    return keys


def _refuse_filters(listing: str, **filters: object) -> None:
    unused = [name for name, value in filters.items() if value is not None]
    if unused:
        raise InvalidInput(
            f"{listing} cannot be filtered by {', '.join(unused)}; "
            f"{listing} filters: {_FILTERS[listing]}"
        )


_FILTERS = {"albums": "genre, year, artist_id", "artists": "genre"}


def _page(
    conn: sqlite3.Connection,
    query: ListQuery,
    table: str,
    columns: str,
    where: _Where,
    keys: SortKeys,
    build: Callable[[sqlite3.Row], T],
) -> Page[T]:
    if query.offset < 0 or query.limit < 0:
        raise InvalidInput(
            f"offset and limit must be 0 or more, got offset={query.offset}, limit={query.limit}"
        )
    direction = "DESC" if query.order == "desc" else "ASC"
    alias = table.rsplit(" ", 1)[-1]
    order = ", ".join(
        [f"{expr} {direction if follows else 'ASC'}" for expr, follows in keys]
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
