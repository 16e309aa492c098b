"""The catalog read API: artists, albums, tracks and genres, paged, sorted and filtered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, QueryParameter
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.deps import Context
from segue.api.schemas import (
    AlbumOut,
    AlbumPage,
    ArtistPage,
    GenreList,
    TrackOut,
    TrackPage,
    album_cover_url,
)
from segue.context import SegueContext
from segue.errors import NotFound
from segue.models import Album, Artist, ListQuery, Page, SortOrder, Track

MAX_LIMIT = 500


class Paging(msgspec.Struct, kw_only=True, frozen=True):
    """The paging and sorting query parameters every listing accepts."""

    offset: int
    limit: int
    sort: str | None
    order: SortOrder

    def query(self, default_sort: str, **filters: str | int | None) -> ListQuery:
        return ListQuery(
            offset=self.offset,
            limit=self.limit,
            sort=self.sort or default_sort,
            order=self.order,
            **filters,  # type: ignore[arg-type]
        )


async def provide_paging(
    offset: Annotated[int, QueryParameter(ge=0, description="How many items to skip (>= 0).")] = 0,
    limit: Annotated[
        int,
        QueryParameter(
            ge=1, le=MAX_LIMIT, description=f"How many items to return (1 to {MAX_LIMIT})."
        ),
    ] = 50,
    sort: Annotated[
        str | None,
        QueryParameter(
            description=(
                "Sort key. Tracks: title, artist, album, year, added, duration, play_count; "
                "albums: title, artist, year, added; artists: name."
            )
        ),
    ] = None,
    order: Annotated[Literal["asc", "desc"], QueryParameter(description="asc or desc.")] = "asc",
) -> Paging:
    return Paging(offset=offset, limit=limit, sort=sort, order=order)


Genre = Annotated[
    str | None, QueryParameter(description="Only items with this genre (exact name).")
]
Year = Annotated[
    int | None, QueryParameter(ge=0, le=9999, description="Only items from this year.")
]


async def tracks_out(context: SegueContext, tracks: Sequence[Track]) -> list[TrackOut]:
    """Serialize tracks: links, cover fallbacks to the album and plugins' extra fields."""
    # Albums are looked up in one read per page, and only for tracks without a cover of their own.
    album_ids = {
        t.album_id for t in tracks if t.album_id and not (t.has_embedded_cover or t.folder_cover)
    }
    album_covers: dict[str, str | None] = {
        album.id: album_cover_url(album)
        for album in await context.catalog.get_albums(sorted(album_ids))
    }
    result = []
    for track in tracks:
        if track.has_embedded_cover or track.folder_cover:
            cover: str | None = f"/api/v1/tracks/{track.id}/cover"
        else:
            cover = album_covers.get(track.album_id) if track.album_id else None
        result.append(
            TrackOut.build(track, cover_url=cover, extra=context.extra_track_fields(track))
        )
    return result


async def _track_page(context: SegueContext, page: Page[Track]) -> TrackPage:
    return TrackPage(
        items=await tracks_out(context, page.items),
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


def _album_page(page: Page[Album]) -> AlbumPage:
    return AlbumPage(
        items=[AlbumOut.build(a) for a in page.items],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


async def _artist_or_404(context: SegueContext, artist_id: str) -> Artist:
    artist = await context.catalog.get_artist(artist_id)
    if artist is None:
        raise NotFound(f"no artist with id '{artist_id}'")
    return artist


async def _album_or_404(context: SegueContext, album_id: str) -> Album:
    album = await context.catalog.get_album(album_id)
    if album is None:
        raise NotFound(f"no album with id '{album_id}'")
    return album


class ArtistController(Controller):
    path = "/api/v1/artists"
    tags = ["catalog"]
    dependencies = {"paging": Provide(provide_paging)}

    @get("/", operation_id="listArtists", summary="List artists")
    async def list_artists(self, context: Context, paging: NamedDependency[Paging]) -> ArtistPage:
        page = await context.catalog.list_artists(paging.query("name"))
        return ArtistPage(items=page.items, total=page.total, offset=page.offset, limit=page.limit)

    @get("/{artist_id:str}", operation_id="getArtist", summary="One artist")
    async def get_artist(
        self,
        context: Context,
        artist_id: Annotated[str, PathParameter(description="The artist's id.")],
    ) -> Artist:
        return await _artist_or_404(context, artist_id)

    @get(
        "/{artist_id:str}/albums",
        operation_id="listArtistAlbums",
        summary="The albums of an artist (by year unless sorted otherwise)",
    )
    async def list_artist_albums(
        self,
        context: Context,
        paging: NamedDependency[Paging],
        artist_id: Annotated[str, PathParameter(description="The artist's id.")],
    ) -> AlbumPage:
        await _artist_or_404(context, artist_id)
        page = await context.catalog.list_albums(paging.query("year", artist_id=artist_id))
        return _album_page(page)


class AlbumController(Controller):
    path = "/api/v1/albums"
    tags = ["catalog"]
    dependencies = {"paging": Provide(provide_paging)}

    @get("/", operation_id="listAlbums", summary="List albums")
    async def list_albums(
        self,
        context: Context,
        paging: NamedDependency[Paging],
        genre: Genre = None,
        year: Year = None,
    ) -> AlbumPage:
        page = await context.catalog.list_albums(paging.query("title", genre=genre, year=year))
        return _album_page(page)

    @get("/{album_id:str}", operation_id="getAlbum", summary="One album")
    async def get_album(
        self,
        context: Context,
        album_id: Annotated[str, PathParameter(description="The album's id.")],
    ) -> AlbumOut:
        return AlbumOut.build(await _album_or_404(context, album_id))

    @get(
        "/{album_id:str}/tracks",
        operation_id="listAlbumTracks",
        summary="The tracks of an album (in disc and track order unless sorted otherwise)",
    )
    async def list_album_tracks(
        self,
        context: Context,
        paging: NamedDependency[Paging],
        album_id: Annotated[str, PathParameter(description="The album's id.")],
    ) -> TrackPage:
        await _album_or_404(context, album_id)
        # The catalog's natural order ("name") for one album is disc, then track number.
        page = await context.catalog.list_tracks(paging.query("name", album_id=album_id))
        return await _track_page(context, page)


class TrackController(Controller):
    path = "/api/v1/tracks"
    tags = ["catalog"]
    dependencies = {"paging": Provide(provide_paging)}

    @get("/", operation_id="listTracks", summary="List tracks")
    async def list_tracks(
        self,
        context: Context,
        paging: NamedDependency[Paging],
        genre: Genre = None,
        year: Year = None,
    ) -> TrackPage:
        page = await context.catalog.list_tracks(paging.query("title", genre=genre, year=year))
        return await _track_page(context, page)

    @get("/{track_id:str}", operation_id="getTrack", summary="One track")
    async def get_track(
        self,
        context: Context,
        track_id: Annotated[str, PathParameter(description="The track's id.")],
    ) -> TrackOut:
        track = await context.catalog.get_track(track_id)
        if track is None:
            raise NotFound(f"no track with id '{track_id}'")
        (out,) = await tracks_out(context, [track])
        return out


@get(
    "/api/v1/genres",
    operation_id="listGenres",
    tags=["catalog"],
    summary="Every genre with its track and album counts",
)
async def list_genres(context: Context) -> GenreList:
    return GenreList(items=await context.catalog.list_genres())


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [ArtistController, AlbumController, TrackController, list_genres]
