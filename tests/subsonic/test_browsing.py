"""Browsing, album lists and search3 return the catalog's items in the requested order."""

from __future__ import annotations

import time
from typing import Any

import pytest
from subsonic_helpers import all_songs

from segue.models import ListQuery
from segue.search import indexer

pytestmark = pytest.mark.anyio


async def test_artists_indexes_and_directories_agree_with_the_catalog(subsonic: Any) -> None:
    catalog = subsonic.context.catalog
    expected = {a.id for a in (await catalog.list_artists(ListQuery(limit=100))).items}
    indexed = (await subsonic.ok("getArtists"))["artists"]["index"]
    assert {a["id"] for i in indexed for a in i["artist"]} == expected
    letters = [i["name"] for i in indexed]
    assert letters == sorted(set(letters))
    under = {a["name"]: i["name"] for i in indexed for a in i["artist"]}
    assert under["AB/CD"] == "A"
    assert under["Les Échos"] == "É"  # the article is ignored, as ignoredArticles says
    folders = (await subsonic.ok("getIndexes"))["indexes"]["index"]
    assert {a["id"] for i in folders for a in i["artist"]} == expected
    artist = next(a for i in indexed for a in i["artist"] if a["albumCount"] > 0)
    directory = (await subsonic.ok("getMusicDirectory", id=artist["id"]))["directory"]
    album_dir = directory["child"][0]
    assert album_dir["isDir"] is True and album_dir["parent"] == artist["id"]
    songs = (await subsonic.ok("getMusicDirectory", id=album_dir["id"]))["directory"]["child"]
    album = (await subsonic.ok("getAlbum", id=album_dir["id"]))["album"]
    assert [s["id"] for s in songs] == [s["id"] for s in album["song"]]
    assert album["songCount"] == len(album["song"]) > 0
    assert all(s["isDir"] is False and s["albumId"] == album["id"] for s in songs)


async def test_album_list_orders(subsonic: Any) -> None:
    catalog = subsonic.context.catalog
    albums = (await catalog.list_albums(ListQuery(limit=100))).items

    async def ids(**params: str) -> list[str]:
        body = await subsonic.ok("getAlbumList2", size="100", **params)
        return [a["id"] for a in body["albumList2"]["album"]]

    by_name = await ids(type="alphabeticalByName")
    assert by_name == [
        a.id for a in (await catalog.list_albums(ListQuery(limit=100, sort="title"))).items
    ]
    newest = await ids(type="newest")
    assert sorted(newest) == sorted(a.id for a in albums)
    assert sorted(await ids(type="random")) == sorted(a.id for a in albums)
    years = sorted({a.year for a in albums if a.year})
    in_range = await ids(type="byYear", fromYear=str(years[0]), toYear=str(years[0]))
    assert in_range and all(a.year == years[0] for a in await catalog.get_albums(in_range))
    reverse = await ids(type="byYear", fromYear=str(years[-1]), toYear=str(years[0]))
    reverse_years = [a.year for a in await catalog.get_albums(reverse)]
    assert reverse_years == sorted(reverse_years, reverse=True)
    rock = await ids(type="byGenre", genre="Rock")
    assert rock and all("Rock" in a.genres for a in await catalog.get_albums(rock))
    paged = await ids(type="alphabeticalByName", offset="2")
    assert paged == by_name[2:]
    assert await ids(type="recent") == []  # nothing played yet


async def test_songs_by_genre_random_songs_and_top_songs(subsonic: Any) -> None:
    ambient = (await subsonic.ok("getSongsByGenre", genre="Ambient", count="50"))["songsByGenre"][
        "song"
    ]
    assert len(ambient) == 4 and all(s["genre"] == "Ambient" for s in ambient)
    random_songs = (await subsonic.ok("getRandomSongs", size="5"))["randomSongs"]["song"]
    assert len(random_songs) == 5 and len({s["id"] for s in random_songs}) == 5
    in_genre = (await subsonic.ok("getRandomSongs", size="50", genre="Ambient"))["randomSongs"][
        "song"
    ]
    assert sorted(s["id"] for s in in_genre) == sorted(s["id"] for s in ambient)
    artist = ambient[0]["artist"]
    top = (await subsonic.ok("getTopSongs", artist=artist))["topSongs"]["song"]
    assert top and all(s["artist"] == artist for s in top)
    similar = await subsonic.ok("getSimilarSongs2", id=ambient[0]["artistId"], count="3")
    assert len(similar["similarSongs2"]["song"]) == 3


async def test_search3_text_and_empty_query_paging(subsonic: Any) -> None:
    await indexer.rebuild(subsonic.context)
    found = (await subsonic.ok("search3", query="sine"))["searchResult3"]
    assert {a["name"] for a in found["album"]} == {"High Voltage Sine", "Sine Waves, Vol. 1"}
    everything = await all_songs(subsonic)
    assert len(everything) == 12
    first = (
        await subsonic.ok("search3", query="", songCount="5", albumCount="0", artistCount="0")
    )["searchResult3"]
    second = (
        await subsonic.ok(
            "search3", query='""', songCount="5", songOffset="5", albumCount="0", artistCount="0"
        )
    )["searchResult3"]
    assert [s["id"] for s in first["song"] + second["song"]] == [s["id"] for s in everything[:10]]
    assert first["album"] == [] and first["artist"] == []


async def test_genres_and_song(subsonic: Any) -> None:
    genres = (await subsonic.ok("getGenres"))["genres"]["genre"]
    assert {"value": "Ambient", "songCount": 4, "albumCount": 1} in genres
    xml = await subsonic.call("getGenres", f="xml")
    assert '<genre songCount="4" albumCount="1">Ambient</genre>' in xml.text
    song = (await all_songs(subsonic))[0]
    got = (await subsonic.ok("getSong", id=song["id"]))["song"]
    assert got["duration"] >= 1 and got["contentType"].startswith("audio/")
    assert got["created"].endswith("Z")


async def test_frequent_and_recent_album_lists(subsonic: Any) -> None:
    from segue.playlists.models import HistoryEntry

    context = subsonic.context
    songs = await all_songs(subsonic)
    by_album: dict[str, str] = {}
    for song in songs:
        by_album.setdefault(song["albumId"], song["id"])
    (a1, t1), (a2, t2) = list(by_album.items())[:2]
    await context.catalog.add_play_counts({t1: 2, t2: 5})
    frequent = (await subsonic.ok("getAlbumList2", type="frequent"))["albumList2"]["album"]
    assert [a["id"] for a in frequent] == [a2, a1]
    admin = await context.catalog.get_user_by_name("admin")
    now = time.time()
    await context.playlists.add_history(
        admin.id,
        [
            HistoryEntry(id="h1", track_id=t1, played_at=now - 60),
            HistoryEntry(id="h2", track_id=t2, played_at=now - 30),
        ],
    )
    recent = (await subsonic.ok("getAlbumList2", type="recent"))["albumList2"]["album"]
    assert [a["id"] for a in recent] == [a2, a1]
