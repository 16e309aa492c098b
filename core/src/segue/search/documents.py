"""Search documents built from the catalog: one per track, album and artist.

Albums and artists get their popularity (the sum of their tracks' plays),
genres and years from their tracks, so a genre or year filter works on
every kind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from segue.models import Album, Artist, ListQuery, Page, Track
from segue.search import text
from segue.slots.catalog import CatalogBackend
from segue.slots.search import DocumentKind, SearchDocument

PAGE = 1000
"""Catalog rows read per call while building documents."""

T = TypeVar("T")


def document_id(kind: DocumentKind, ref: str) -> str:
    return f"{kind}:{ref}"


def _terms(*values: str | None) -> str:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.update(dict.fromkeys(text.terms(value)))
    return " ".join(seen)


def _phrases(*values: str | None) -> list[str]:
    found: set[str] = set()
    for value in values:
        if not value:
            continue
        found.add(text.phrase(value))
        if not any(c.isspace() for c in value.strip()):
            found.add("".join(text.words(value)))  # "AC/DC" is also exactly "acdc"
    return sorted(p for p in found if p)


def _genres(genres: Iterable[str]) -> list[str]:
    return sorted({g for g in (text.phrase(name) for name in genres) if g})


@dataclass
class Tally:
    """What an album or artist gathers from its tracks."""

    plays: int = 0
    genres: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)

    def add(self, track: Track) -> None:
        self.plays += track.play_count
        self.genres.update(track.genres)
        if track.year is not None:
            self.years.add(track.year)


def track_document(track: Track) -> SearchDocument:
    artists = [*track.artists, track.artist_name]
    detail = " · ".join(x for x in (track.artist_name, track.album) if x)
    return SearchDocument(
        id=document_id("track", track.id),
        kind="track",
        ref=track.id,
        label=track.title,
        detail=detail,
        name_terms=_terms(track.title),
        artist_terms=_terms(*artists),
        album_terms=_terms(track.album),
        phrases=_phrases(track.title, track.artist_name, track.album),
        genres=_genres(track.genres),
        years=[track.year] if track.year is not None else [],
        popularity=track.play_count,
    )


def album_document(album: Album, tally: Tally) -> SearchDocument:
    detail = album.artist_name + (f" · {album.year}" if album.year else "")
    years = {album.year} if album.year is not None else set()
    return SearchDocument(
        id=document_id("album", album.id),
        kind="album",
        ref=album.id,
        label=album.title,
        detail=detail,
        name_terms=_terms(album.title),
        artist_terms=_terms(album.artist_name),
        phrases=_phrases(album.title, album.artist_name),
        genres=_genres([*album.genres, *tally.genres]),
        years=sorted(years | tally.years),
        popularity=tally.plays,
    )


def artist_document(artist: Artist, tally: Tally) -> SearchDocument:
    tracks = f"{artist.track_count} track" + ("" if artist.track_count == 1 else "s")
    return SearchDocument(
        id=document_id("artist", artist.id),
        kind="artist",
        ref=artist.id,
        label=artist.name,
        detail=tracks,
        name_terms=_terms(artist.name),
        phrases=_phrases(artist.name),
        genres=_genres(tally.genres),
        years=sorted(tally.years),
        popularity=tally.plays,
    )


async def _all_tracks(catalog: CatalogBackend, **filters: str) -> AsyncIterator[list[Track]]:
    offset = 0
    while True:
        page = await catalog.list_tracks(
            ListQuery(offset=offset, limit=PAGE, sort="added", **filters)  # type: ignore[arg-type]
        )
        if page.items:
            yield page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


async def _tally(catalog: CatalogBackend, **filters: str) -> Tally:
    tally = Tally()
    async for tracks in _all_tracks(catalog, **filters):
        for track in tracks:
            tally.add(track)
    return tally


@dataclass
class Changes:
    """Documents to store and document ids to remove."""

    upserts: list[SearchDocument] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)


async def changes_for_tracks(catalog: CatalogBackend, track_ids: Sequence[str]) -> Changes:
    """The documents to refresh after these tracks were added, changed or removed.

    Reads the catalog as it is now (not what the hook said), so applying the
    same change twice, or two changes out of order, ends in the same index.
    The tracks' albums and artists are rebuilt too (counts, popularity) or
    removed once they have no track left.
    """
    changes = Changes()
    tracks = await catalog.get_tracks(track_ids)
    found = {t.id for t in tracks}
    changes.deletes += [document_id("track", i) for i in track_ids if i not in found]
    album_ids: set[str] = set()
    artist_ids: set[str] = set()
    for track in tracks:
        if track.missing:
            changes.deletes.append(document_id("track", track.id))
        else:
            changes.upserts.append(track_document(track))
        artist_ids.add(track.artist_id)
        if track.album_id:
            album_ids.add(track.album_id)
    for album_id in sorted(album_ids):
        album = await catalog.get_album(album_id)
        if album is None or album.track_count == 0:
            changes.deletes.append(document_id("album", album_id))
            continue
        artist_ids.add(album.artist_id)
        changes.upserts.append(album_document(album, await _tally(catalog, album_id=album_id)))
    for artist_id in sorted(artist_ids):
        artist = await catalog.get_artist(artist_id)
        if artist is None or artist.track_count == 0:
            changes.deletes.append(document_id("artist", artist_id))
            continue
        tally = await _tally(catalog, artist_id=artist_id)
        changes.upserts.append(artist_document(artist, tally))
    return changes


Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)`` while documents are built for a rebuild."""


async def all_documents(
    catalog: CatalogBackend, progress: Progress | None = None
) -> AsyncIterator[list[SearchDocument]]:
    """Every document of the catalog, in batches: tracks, then albums, then artists."""
    report = progress or (lambda _phase, _done, _total: None)
    albums: dict[str, Tally] = {}
    artists: dict[str, Tally] = {}
    done = 0
    total = (await catalog.list_tracks(ListQuery(limit=0))).total
    report("tracks", 0, total)
    async for tracks in _all_tracks(catalog):
        for track in tracks:
            artists.setdefault(track.artist_id, Tally()).add(track)
            if track.album_id:
                albums.setdefault(track.album_id, Tally()).add(track)
        yield [track_document(t) for t in tracks]
        done += len(tracks)
        report("tracks", done, max(total, done))
    done, total = 0, (await catalog.list_albums(ListQuery(limit=0, sort="title"))).total
    report("albums", 0, total)
    async for albums_page in _pages(catalog.list_albums, "title"):
        yield [album_document(a, albums.get(a.id, Tally())) for a in albums_page]
        done += len(albums_page)
        report("albums", done, max(total, done))
    done, total = 0, (await catalog.list_artists(ListQuery(limit=0, sort="name"))).total
    report("artists", 0, total)
    async for artists_page in _pages(catalog.list_artists, "name"):
        yield [artist_document(a, artists.get(a.id, Tally())) for a in artists_page]
        done += len(artists_page)
        report("artists", done, max(total, done))


async def _pages(
    list_page: Callable[[ListQuery], Awaitable[Page[T]]], sort: str
) -> AsyncIterator[list[T]]:
    offset = 0
    while True:
        page = await list_page(ListQuery(offset=offset, limit=PAGE, sort=sort))
        if page.items:
            yield page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return
