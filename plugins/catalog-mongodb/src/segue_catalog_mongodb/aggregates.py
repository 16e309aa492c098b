"""Album and artist documents: aggregates over present tracks, recomputed per scan batch.

Only the albums and artists a batch touched are recomputed. The tally runs
here, in Python, over the touched tracks' few fields: FerretDB evaluates few
aggregation expressions, and one find per batch is cheap. The rules (and
tie-breaks) are catalog-sqlite's, so both backends show the same albums.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from pymongo.asynchronous.database import AsyncDatabase

from segue.catalog.identity import sort_key
from segue_catalog_mongodb.documents import Document

K = TypeVar("K", bound=Hashable)

_ALBUM_FIELDS = {
    "album_id": 1,
    "album": 1,
    "album_artist_id": 1,
    "album_artist_name": 1,
    "year": 1,
    "musicbrainz_album_id": 1,
    "duration_ms": 1,
    "added_at": 1,
    "compilation": 1,
    "disc_number": 1,
    "track_number": 1,
    "relpath": 1,
    "has_cover": 1,
    "genre_keys": 1,
    "genre_names": 1,
}
_ARTIST_FIELDS = {
    "artist_id": 1,
    "primary_artist_name": 1,
    "musicbrainz_artist_id": 1,
    "album_artist_id": 1,
    "album_artist_name": 1,
    "album_artist_mbid": 1,
}


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

    def add_document(self, doc: Document) -> None:
        self.add(doc.get("album_id"), doc["artist_id"], doc["album_artist_id"])


def weighted_mode(counts: dict[K, int]) -> K:
    """The value with the highest count; ties go to the one seen first."""
    return max(counts.items(), key=lambda item: item[1])[0]


def _tally(groups: dict[K, int], key: K, n: int = 1) -> None:
    groups[key] = groups.get(key, 0) + n


async def recompute(db: AsyncDatabase[Document], touched: Touched) -> None:
    # Albums first: an artist's album_count is read from the albums collection.
    if touched.albums:
        await _recompute_albums(db, sorted(touched.albums))
    if touched.artists:
        await _recompute_artists(db, sorted(touched.artists))


def _nulls_first(value: object) -> tuple[bool, object]:
    """A sort key putting None first, as SQLite's GROUP BY does."""
    return (value is not None, value if value is not None else 0)


def _album_document(album_id: str, tracks: list[Document]) -> Document:
    # Tag combinations in SQLite's GROUP BY order, so that ties break the same way.
    combos: dict[tuple[object, ...], int] = {}
    for t in tracks:
        key = (
            t.get("album"),
            t["album_artist_id"],
            t["album_artist_name"],
            t.get("year"),
            t.get("musicbrainz_album_id"),
        )
        _tally(combos, key)
    titles: dict[str, int] = {}
    artists: dict[str, int] = {}
    artist_names: dict[tuple[str, str], int] = {}
    years: dict[int, int] = {}
    mbids: dict[str, int] = {}
    ordered = sorted(combos.items(), key=lambda kv: tuple(_nulls_first(v) for v in kv[0]))
    for (title, aid, aname, year, mbid), n in ordered:
        _tally(titles, str(title), n)
        _tally(artists, str(aid), n)
        _tally(artist_names, (str(aid), str(aname)), n)
        if year is not None:
            _tally(years, int(year), n)  # type: ignore[call-overload]
        if mbid:
            _tally(mbids, str(mbid), n)
    title = weighted_mode(titles)
    artist_id = weighted_mode(artists)
    artist_name = weighted_mode(
        {name: n for (aid, name), n in artist_names.items() if aid == artist_id}
    )

    covered = [t for t in tracks if t.get("has_cover")]
    cover = min(
        covered,
        key=lambda t: (
            t.get("disc_number") if t.get("disc_number") is not None else 1,
            t.get("track_number") if t.get("track_number") is not None else 999_999_999,
            t["relpath"],
        ),
        default=None,
    )
    genre_counts: dict[str, int] = {}
    genre_shown: dict[str, str] = {}
    for t in tracks:
        for key, name in zip(t.get("genre_keys") or [], t.get("genre_names") or [], strict=False):
            _tally(genre_counts, key)
            genre_shown[key] = min(genre_shown.get(key, name), name)
    genres = sorted(genre_counts, key=lambda key: (-genre_counts[key], key))
    year = weighted_mode(years) if years else None
    return {
        "_id": album_id,
        "title": title,
        "artist_id": artist_id,
        "artist_name": artist_name,
        "compilation": any(bool(t.get("compilation")) for t in tracks),
        "year": year,
        "year_null": year is None,
        "genres": [genre_shown[key] for key in genres],
        "genre_keys": genres,
        "musicbrainz_id": weighted_mode(mbids) if mbids else None,
        "track_count": len(tracks),
        "duration_ms": sum(int(t["duration_ms"]) for t in tracks),
        "cover_track_id": None if cover is None else cover["_id"],
        "added_at": min(float(t["added_at"]) for t in tracks),
        "title_key": sort_key(title),
        "artist_key": sort_key(artist_name),
    }


async def _recompute_albums(db: AsyncDatabase[Document], album_ids: list[str]) -> None:
    by_album: dict[str, list[Document]] = {}
    cursor = db["tracks"].find({"album_id": {"$in": album_ids}, "missing": False}, _ALBUM_FIELDS)
    async for doc in cursor:
        by_album.setdefault(doc["album_id"], []).append(doc)
    await _replace(db, "albums", album_ids, [_album_document(a, ts) for a, ts in by_album.items()])


async def _replace(
    db: AsyncDatabase[Document], name: str, ids: list[str], docs: Iterable[Document]
) -> None:
    """Store the recomputed documents; delete those of ``ids`` that have no track left.

    One upserting ``replace_one`` each: FerretDB stalls on large batches of replacements.
    """
    kept = set()
    for doc in docs:
        kept.add(doc["_id"])
        await db[name].replace_one({"_id": doc["_id"]}, doc, upsert=True)
    gone = [i for i in ids if i not in kept]
    if gone:
        await db[name].delete_many({"_id": {"$in": gone}})


async def _recompute_artists(db: AsyncDatabase[Document], artist_ids: list[str]) -> None:
    wanted = set(artist_ids)
    # An artist's tracks are those it performs or whose album it is the album
    # artist of; a track credited both ways counts once.
    performed: dict[tuple[str, str, str | None], int] = {}
    fronted: dict[tuple[str, str, str | None], tuple[int, int]] = {}
    cursor = db["tracks"].find(
        {
            "missing": False,
            "$or": [{"artist_id": {"$in": artist_ids}}, {"album_artist_id": {"$in": artist_ids}}],
        },
        _ARTIST_FIELDS,
    )
    async for t in cursor:
        if t["artist_id"] in wanted:
            key = (t["artist_id"], t["primary_artist_name"], t.get("musicbrainz_artist_id"))
            _tally(performed, key)
        if t["album_artist_id"] in wanted:
            key = (t["album_artist_id"], t["album_artist_name"], t.get("album_artist_mbid"))
            credits, tracks = fronted.get(key, (0, 0))
            fronted[key] = (credits + 1, tracks + int(t["artist_id"] != t["album_artist_id"]))
    names: dict[str, dict[str, int]] = {}
    mbids: dict[str, dict[str, int]] = {}
    track_counts: dict[str, int] = {}
    credits_rows = [
        *((key, n, n) for key, n in sorted(performed.items(), key=_row_order)),
        *((key, c, t) for key, (c, t) in sorted(fronted.items(), key=_row_order)),
    ]
    for (aid, name, mbid), credits, tracks in credits_rows:
        _tally(names.setdefault(aid, {}), name, credits)
        if mbid:
            _tally(mbids.setdefault(aid, {}), mbid, credits)
        _tally(track_counts, aid, tracks)
    album_counts: dict[str, int] = {}
    async for album in db["albums"].find({"artist_id": {"$in": artist_ids}}, {"artist_id": 1}):
        _tally(album_counts, album["artist_id"])
    docs = []
    for aid, spellings in names.items():
        name = weighted_mode(spellings)
        docs.append(
            {
                "_id": aid,
                "name": name,
                "musicbrainz_id": weighted_mode(mbids[aid]) if aid in mbids else None,
                "album_count": album_counts.get(aid, 0),
                "track_count": track_counts[aid],
                "name_key": sort_key(name),
            }
        )
    await _replace(db, "artists", artist_ids, docs)


def _row_order(item: tuple[tuple[str, str, str | None], object]) -> tuple[object, ...]:
    return tuple(_nulls_first(v) for v in item[0])
