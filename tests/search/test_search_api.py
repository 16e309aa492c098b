"""The search HTTP API through the real app: results as the catalog API shows them,
suggestions, parameter errors, and 503 when search cannot answer."""

from __future__ import annotations

from typing import Any

import pytest
from search_helpers import backend_config, search_plugins

from segue.search import indexer

pytestmark = pytest.mark.anyio

Headers = dict[str, str]


async def _login(app: Any) -> Headers:
    response = await app.client.post(
        "/api/v1/auth/login",
        json={"username": "admin", "password": "admin-password-for-tests"},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
async def search_app(make_app: Any) -> Any:
    async with make_app(
        extra_plugins=search_plugins(), extra_config=backend_config("embedded")
    ) as app:
        await indexer.rebuild(app.context)
        app.headers = await _login(app)
        yield app


async def test_search_answers_tracks_as_the_catalog_api_does(search_app: Any) -> None:
    client, headers = search_app.client, search_app.headers
    listing = await client.get("/api/v1/tracks", params={"limit": 1}, headers=headers)
    track = listing.json()["items"][0]
    response = await client.get(
        "/api/v1/search", params={"q": track["title"], "type": "track"}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"tracks"}
    assert body["tracks"]["total"] >= 1
    same = next(t for t in body["tracks"]["items"] if t["id"] == track["id"])
    one = await client.get(f"/api/v1/tracks/{track['id']}", headers=headers)
    assert same == one.json()


async def test_search_all_types_and_typos(search_app: Any) -> None:
    client, headers = search_app.client, search_app.headers
    artist = (await client.get("/api/v1/artists", params={"limit": 1}, headers=headers)).json()
    name: str = artist["items"][0]["name"]
    album = (await client.get("/api/v1/albums", params={"limit": 1}, headers=headers)).json()
    title: str = album["items"][0]["title"]
    # Drop the last letter of the name's first long word: still found (prefix / typo).
    typed = name.lower()[:-1] if len(name) > 5 else name.upper()
    response = await client.get("/api/v1/search", params={"q": typed}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"tracks", "artists", "albums", "playlists"}
    assert name in [a["name"] for a in body["artists"]["items"]]
    assert body["playlists"] == {"items": [], "total": 0}
    albums = await client.get(
        "/api/v1/search", params={"q": title, "type": "album"}, headers=headers
    )
    found = albums.json()["albums"]["items"]
    assert found[0]["title"] == title
    assert found[0]["cover_url"] == album["items"][0]["cover_url"]


async def test_search_paging_and_filters(search_app: Any) -> None:
    client, headers = search_app.client, search_app.headers
    tracks = (await client.get("/api/v1/tracks", params={"limit": 500}, headers=headers)).json()
    with_year = next(t for t in tracks["items"] if t["year"])
    word = with_year["artist_name"]
    everything = (
        await client.get("/api/v1/search", params={"q": word, "type": "track"}, headers=headers)
    ).json()["tracks"]
    first_page = await client.get(
        "/api/v1/search", params={"q": word, "type": "track", "limit": 1}, headers=headers
    )
    second_page = await client.get(
        "/api/v1/search",
        params={"q": word, "type": "track", "limit": 1, "offset": 1},
        headers=headers,
    )
    ids = [t["id"] for t in everything["items"]]
    assert first_page.json()["tracks"]["total"] == everything["total"]
    assert [t["id"] for t in first_page.json()["tracks"]["items"]] == ids[:1]
    assert [t["id"] for t in second_page.json()["tracks"]["items"]] == ids[1:2]
    same_year = await client.get(
        "/api/v1/search",
        params={"q": word, "type": "track", "year": with_year["year"]},
        headers=headers,
    )
    years = {t["year"] for t in same_year.json()["tracks"]["items"]}
    assert years == {with_year["year"]}
    nowhere = await client.get(
        "/api/v1/search",
        params={"q": word, "type": "track", "genre": "no such genre at all"},
        headers=headers,
    )
    assert nowhere.json()["tracks"] == {"items": [], "total": 0}


async def test_suggest_mixes_types(search_app: Any) -> None:
    client, headers = search_app.client, search_app.headers
    artist = (await client.get("/api/v1/artists", params={"limit": 1}, headers=headers)).json()
    artist_name: str = artist["items"][0]["name"]
    response = await client.get(
        "/api/v1/search/suggest", params={"q": artist_name[:3], "limit": 5}, headers=headers
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert 1 <= len(items) <= 5
    assert {"type", "id", "label", "detail"} <= set(items[0])
    exact = await client.get("/api/v1/search/suggest", params={"q": artist_name}, headers=headers)
    first = exact.json()["items"][0]
    assert (first["type"], first["label"]) == ("artist", artist_name)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "x", "type": "track,song"}, "unknown search type 'song'"),
        ({"q": "x", "type": "song"}, "track, artist, album, playlist"),
        ({"q": "?!"}, "no letter or digit"),
        ({"q": ""}, "q"),
        ({}, "q"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "offset": "-1"}, "offset"),
        ({"q": "x", "year": "last"}, "year"),
    ],
)
async def test_bad_parameters_are_clear_400s(
    search_app: Any, params: dict[str, str], expected: str
) -> None:
    response = await search_app.client.get(
        "/api/v1/search", params=params, headers=search_app.headers
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert expected in response.text


async def test_search_needs_credentials(search_app: Any) -> None:
    response = await search_app.client.get("/api/v1/search", params={"q": "a"})
    assert response.status_code == 401


async def test_search_off_is_503_and_the_rest_works(make_app: Any) -> None:
    async with make_app(
        extra_plugins=search_plugins(), overrides={"search.backend": "none"}
    ) as app:
        headers = await _login(app)
        response = await app.client.get("/api/v1/search", params={"q": "a"}, headers=headers)
        assert response.status_code == 503
        assert "[search] backend is 'none'" in response.json()["detail"]
        assert (await app.client.get("/api/v1/tracks", headers=headers)).status_code == 200


async def test_engine_down_is_503_and_the_rest_works(make_app: Any) -> None:
    extra = (
        '[search]\nbackend = "meilisearch"\n\n'
        '[plugins.search-meilisearch]\nurl = "http://127.0.0.1:9"\ntimeout = 1.0\n'
    )
    async with make_app(extra_plugins=search_plugins(), extra_config=extra) as app:
        headers = await _login(app)
        for path in ("/api/v1/search", "/api/v1/search/suggest"):
            response = await app.client.get(path, params={"q": "anything"}, headers=headers)
            assert response.status_code == 503, response.text
            problem = response.json()
            assert "'meilisearch' search engine did not answer" in problem["detail"]
            assert "Traceback" not in response.text
        assert (await app.client.get("/api/v1/tracks", headers=headers)).status_code == 200
        health = await app.client.get("/api/v1/health")
        assert health.json()["slots"]["search"]["ok"] is False
