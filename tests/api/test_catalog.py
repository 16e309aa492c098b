"""The catalog read API on the scanned demo library: listings, paging, sorting, filters, details."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.anyio

Client = AsyncTestClient[Litestar]
Headers = dict[str, str]
DEMO_TRACKS = 12  # what the demo_library fixture asks the generator for


async def get_json(client: Client, path: str, headers: Headers, **params: Any) -> Any:
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def everything(client: Client, path: str, headers: Headers, **params: Any) -> list[Any]:
    """All items of a listing, fetched page by page."""
    items: list[Any] = []
    while True:
        page = await get_json(client, path, headers, offset=len(items), limit=5, **params)
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


async def test_tracks_listing_is_paged(client: Client, auth_headers: Headers) -> None:
    first = await get_json(client, "/api/v1/tracks", auth_headers, limit=5)
    assert first["total"] == DEMO_TRACKS
    assert (first["offset"], first["limit"]) == (0, 5)
    assert len(first["items"]) == 5
    whole = await get_json(client, "/api/v1/tracks", auth_headers, limit=500)
    assert len(whole["items"]) == DEMO_TRACKS
    paged = await everything(client, "/api/v1/tracks", auth_headers)
    assert [t["id"] for t in paged] == [t["id"] for t in whole["items"]]
    assert len({t["id"] for t in paged}) == DEMO_TRACKS
    beyond = await get_json(client, "/api/v1/tracks", auth_headers, offset=DEMO_TRACKS)
    assert beyond["items"] == [] and beyond["total"] == DEMO_TRACKS


async def test_default_limit_is_50(client: Client, auth_headers: Headers) -> None:
    page = await get_json(client, "/api/v1/tracks", auth_headers)
    assert page["limit"] == 50


@pytest.mark.parametrize(
    ("sort", "key"),
    [("title", "title"), ("duration", "duration_ms"), ("year", "year"), ("album", "album")],
)
async def test_tracks_sorting(client: Client, auth_headers: Headers, sort: str, key: str) -> None:
    ascending = (await get_json(client, "/api/v1/tracks", auth_headers, sort=sort, limit=500))[
        "items"
    ]
    descending = (
        await get_json(client, "/api/v1/tracks", auth_headers, sort=sort, order="desc", limit=500)
    )["items"]
    values = [t[key] for t in ascending if t[key] is not None]
    down = [t[key] for t in descending if t[key] is not None]
    if isinstance(values[0], str):
        values, down = [v.casefold() for v in values], [v.casefold() for v in down]
    assert values == sorted(values)
    assert down == sorted(down, reverse=True)
    assert len(set(values)) > 1  # the demo data makes the order meaningful


async def test_albums_and_artists_sorting(client: Client, auth_headers: Headers) -> None:
    albums = (await get_json(client, "/api/v1/albums", auth_headers, sort="year", limit=500))[
        "items"
    ]
    years = [a["year"] for a in albums if a["year"] is not None]
    assert years == sorted(years) and len(set(years)) > 1
    artists = (await get_json(client, "/api/v1/artists", auth_headers, order="desc", limit=500))[
        "items"
    ]
    names = [a["name"].casefold() for a in artists]
    assert names == sorted(names, reverse=True) and len(names) > 1


async def test_filters_by_genre_and_year(client: Client, auth_headers: Headers) -> None:
    tracks = (await get_json(client, "/api/v1/tracks", auth_headers, limit=500))["items"]
    genre = (
        tracks[0]["genres"][0]
        if tracks[0]["genres"]
        else next(t["genres"][0] for t in tracks if t["genres"])
    )
    by_genre = await everything(client, "/api/v1/tracks", auth_headers, genre=genre)
    assert {t["id"] for t in by_genre} == {t["id"] for t in tracks if genre in t["genres"]}
    assert 0 < len(by_genre) < len(tracks)

    year = next(t["year"] for t in tracks if t["year"] is not None)
    by_year = await everything(client, "/api/v1/tracks", auth_headers, year=year)
    assert {t["id"] for t in by_year} == {t["id"] for t in tracks if t["year"] == year}

    albums = (await get_json(client, "/api/v1/albums", auth_headers, limit=500))["items"]
    albums_of_year = await everything(client, "/api/v1/albums", auth_headers, year=year)
    assert {a["id"] for a in albums_of_year} == {a["id"] for a in albums if a["year"] == year}
    albums_of_genre = await everything(client, "/api/v1/albums", auth_headers, genre=genre)
    assert {a["id"] for a in albums_of_genre} == {a["id"] for a in albums if genre in a["genres"]}

    nothing = await get_json(client, "/api/v1/tracks", auth_headers, genre="No Such Genre")
    assert nothing == {"items": [], "total": 0, "offset": 0, "limit": 50}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
        ({"order": "sideways"}, "order"),
        ({"year": "last"}, "year"),
    ],
)
async def test_bad_paging_is_400_naming_the_parameter(
    client: Client, auth_headers: Headers, params: dict[str, Any], named: str
) -> None:
    response = await client.get("/api/v1/tracks", headers=auth_headers, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400
    assert any(error["key"] == named for error in body["errors"]), body


async def test_unknown_sort_key_is_400_from_the_catalog(
    client: Client, auth_headers: Headers
) -> None:
    response = await client.get("/api/v1/tracks", headers=auth_headers, params={"sort": "colour"})
    assert response.status_code == 400
    assert "colour" in response.json()["detail"]


@pytest.mark.parametrize("kind", ["artists", "albums", "tracks"])
async def test_details_match_listings_and_unknown_ids_are_404(
    client: Client, auth_headers: Headers, kind: str
) -> None:
    listed = (await get_json(client, f"/api/v1/{kind}", auth_headers, limit=500))["items"]
    assert listed
    for item in listed[:3]:
        assert await get_json(client, f"/api/v1/{kind}/{item['id']}", auth_headers) == item
    missing = await client.get(f"/api/v1/{kind}/does-not-exist", headers=auth_headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "does-not-exist" in missing.json()["detail"]
    assert missing.json()["instance"] == f"/api/v1/{kind}/does-not-exist"


async def test_album_tracks_in_album_order(client: Client, auth_headers: Headers) -> None:
    albums = (await get_json(client, "/api/v1/albums", auth_headers, limit=500))["items"]
    album = max(albums, key=lambda a: a["track_count"])
    assert album["track_count"] > 1
    page = await get_json(client, f"/api/v1/albums/{album['id']}/tracks", auth_headers)
    assert page["total"] == album["track_count"]
    assert all(t["album_id"] == album["id"] for t in page["items"])
    order = [(t["disc_number"] or 1, t["track_number"] or 0) for t in page["items"]]
    assert order == sorted(order)
    window = await get_json(
        client, f"/api/v1/albums/{album['id']}/tracks", auth_headers, offset=1, limit=1
    )
    assert [t["id"] for t in window["items"]] == [page["items"][1]["id"]]
    by_title = await get_json(
        client, f"/api/v1/albums/{album['id']}/tracks", auth_headers, sort="title", order="desc"
    )
    titles = [t["title"].casefold() for t in by_title["items"]]
    assert titles == sorted(titles, reverse=True)
    assert (await client.get("/api/v1/albums/nope/tracks", headers=auth_headers)).status_code == 404


async def test_artist_albums(client: Client, auth_headers: Headers) -> None:
    albums = (await get_json(client, "/api/v1/albums", auth_headers, limit=500))["items"]
    artist_id = albums[0]["artist_id"]
    own = await get_json(client, f"/api/v1/artists/{artist_id}/albums", auth_headers)
    assert {a["id"] for a in own["items"]} == {
        a["id"] for a in albums if a["artist_id"] == artist_id
    }
    artist = await get_json(client, f"/api/v1/artists/{artist_id}", auth_headers)
    assert artist["album_count"] == own["total"]
    gone = await client.get("/api/v1/artists/nobody/albums", headers=auth_headers)
    assert gone.status_code == 404 and "nobody" in gone.json()["detail"]


async def test_genres_cover_every_track_genre(client: Client, auth_headers: Headers) -> None:
    tracks = (await get_json(client, "/api/v1/tracks", auth_headers, limit=500))["items"]
    genres = (await get_json(client, "/api/v1/genres", auth_headers))["items"]
    assert {g["name"] for g in genres} == {g for t in tracks for g in t["genres"]}
    for genre in genres:
        assert genre["track_count"] == sum(genre["name"] in t["genres"] for t in tracks)


async def test_track_json_fields_and_links(
    client: Client, auth_headers: Headers, segue_app: Any
) -> None:
    tracks = (await get_json(client, "/api/v1/tracks", auth_headers, limit=500))["items"]
    albums = {
        a["id"]: a
        for a in (await get_json(client, "/api/v1/albums", auth_headers, limit=500))["items"]
    }
    catalog = segue_app.context.catalog
    for track in tracks:
        stored = await catalog.get_track(track["id"])
        assert stored is not None
        assert track["stream_url"] == f"/api/v1/tracks/{track['id']}/stream"
        assert track["path"] == stored.relpath
        assert track["title"] == stored.title and track["duration_ms"] == stored.duration_ms
        # Exactly what the installed plugins' extra_track_fields hooks give.
        assert track["extra"] == msgspec.to_builtins(segue_app.context.extra_track_fields(stored))
        for private in ("root", "content_key", "mtime_ns", "updated_at", "folder_cover"):
            assert private not in track
        if stored.has_embedded_cover or stored.folder_cover:
            assert track["cover_url"] == f"/api/v1/tracks/{track['id']}/cover"
        elif track["album_id"]:
            assert track["cover_url"] == albums[track["album_id"]]["cover_url"]
        else:
            assert track["cover_url"] is None
    # The demo library has tracks with covers and tracks without.
    assert {t["cover_url"] is None for t in tracks} == {True, False}
    for album in albums.values():
        stored_album = await catalog.get_album(album["id"])
        assert stored_album is not None
        expected = f"/api/v1/albums/{album['id']}/cover" if stored_album.cover_track_id else None
        assert album["cover_url"] == expected


async def test_catalog_needs_authentication(client: Client, user_headers: Headers) -> None:
    for path in ("/api/v1/artists", "/api/v1/albums", "/api/v1/tracks", "/api/v1/genres"):
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=user_headers)).status_code == 200
