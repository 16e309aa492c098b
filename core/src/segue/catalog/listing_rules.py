"""The listing rules every catalog backend follows: sort orders, filters, paging.

Orders are written with logical field names; each backend maps them to its
own expressions (SQL, document fields), so both backends sort and refuse
the same way from one table.
"""

from __future__ import annotations

from segue.errors import InvalidInput
from segue.models import ListQuery

DEFAULT_SORT = "name"
"""ListQuery's default; means each listing's natural order."""

SortKeys = tuple[tuple[str, bool], ...]
"""(logical field, follows the asked order?) pairs. Secondary keys stay
ascending so that e.g. artists sorted Z-A still list each artist's albums in order."""

ALBUM_ORDER: SortKeys = (
    ("disc", True),
    ("track_number_missing", False),
    ("track_number", True),
    ("title", False),
)
"""Tracks in the order of their album: disc, then track number, untagged ones last."""

TRACK_SORTS: dict[str, SortKeys] = {
    "title": (("title", True),),
    "artist": (
        ("artist", True),
        ("album_missing", False),
        ("album", False),
        *((name, False) for name, _ in ALBUM_ORDER),
    ),
    "album": (
        ("album_missing", False),
        ("album", True),
        *((name, False) for name, _ in ALBUM_ORDER),
    ),
    "year": (("year_missing", False), ("year", True), ("artist", False)),
    "added": (("added", True),),
    "duration": (("duration", True),),
    "play_count": (("play_count", True),),
}
ALBUM_SORTS: dict[str, SortKeys] = {
    "title": (("title", True),),
    "artist": (
        ("artist", True),
        ("year_missing", False),
        ("year", False),
        ("title", False),
    ),
    "year": (("year_missing", False), ("year", True), ("title", False)),
    "added": (("added", True),),
}
ARTIST_SORTS: dict[str, SortKeys] = {"name": (("name", True),)}

_FILTERS = {"albums": "genre, year, artist_id", "artists": "genre"}


def track_sort(query: ListQuery) -> SortKeys:
    """A track listing's order: album order inside an album, else by title, unless asked."""
    if query.sort == DEFAULT_SORT:
        return ALBUM_ORDER if query.album_id is not None else TRACK_SORTS["title"]
    return _sort_keys("tracks", query.sort, TRACK_SORTS)


def album_sort(query: ListQuery) -> SortKeys:
    """An album listing's order (title by default); refuses filters albums do not have."""
    keys = _sort_keys("albums", "title" if query.sort == DEFAULT_SORT else query.sort, ALBUM_SORTS)
    _refuse_filters("albums", album_id=query.album_id)
    return keys


def artist_sort(query: ListQuery) -> SortKeys:
    """An artist listing's order; refuses filters artists do not have."""
    keys = _sort_keys("artists", query.sort, ARTIST_SORTS)
    _refuse_filters("artists", year=query.year, artist_id=query.artist_id, album_id=query.album_id)
    return keys


def check_paging(query: ListQuery) -> None:
    """Refuse a negative offset or limit, naming both values."""
    if query.offset < 0 or query.limit < 0:
        raise InvalidInput(
            f"offset and limit must be 0 or more, got offset={query.offset}, limit={query.limit}"
        )


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
