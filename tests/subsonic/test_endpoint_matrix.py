"""Every supported method answers in XML and JSON with the same element, and errors by code."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from subsonic_helpers import all_songs, children, first_album, xml_root

pytestmark = pytest.mark.anyio

# (method, params with {album}/{artist}/{song}/{playlist} placeholders, the answer's element)
SUCCESS: list[tuple[str, dict[str, str], str | None]] = [
    ("ping", {}, None),
    ("getLicense", {}, "license"),
    ("getOpenSubsonicExtensions", {}, "openSubsonicExtensions"),
    ("getUser", {"username": "admin"}, "user"),
    ("getUsers", {}, "users"),
    ("getMusicFolders", {}, "musicFolders"),
    ("getIndexes", {}, "indexes"),
    ("getMusicDirectory", {"id": "{album}"}, "directory"),
    ("getArtists", {}, "artists"),
    ("getArtist", {"id": "{artist}"}, "artist"),
    ("getAlbum", {"id": "{album}"}, "album"),
    ("getSong", {"id": "{song}"}, "song"),
    ("getAlbumList2", {"type": "newest"}, "albumList2"),
    ("getAlbumList", {"type": "random"}, "albumList"),
    ("getRandomSongs", {"size": "3"}, "randomSongs"),
    ("getSongsByGenre", {"genre": "Ambient"}, "songsByGenre"),
    ("getGenres", {}, "genres"),
    ("search3", {"query": "a"}, "searchResult3"),
    ("search2", {"query": ""}, "searchResult2"),
    ("getPlaylists", {}, "playlists"),
    ("getPlaylist", {"id": "{playlist}"}, "playlist"),
    ("getStarred2", {}, "starred2"),
    ("getStarred", {}, "starred"),
    ("getNowPlaying", {}, "nowPlaying"),
    ("getPlayQueue", {}, "playQueue"),
    ("getTopSongs", {"artist": "{artist_name}"}, "topSongs"),
    ("getSimilarSongs2", {"id": "{artist}"}, "similarSongs2"),
    ("getSimilarSongs", {"id": "{song}"}, "similarSongs"),
    ("getLyricsBySongId", {"id": "{song}"}, "lyricsList"),
    ("getArtistInfo2", {"id": "{artist}"}, "artistInfo2"),
    ("getAlbumInfo2", {"id": "{album}"}, "albumInfo"),
    ("getScanStatus", {}, "scanStatus"),
    ("star", {"id": "{song}"}, None),
    ("unstar", {"id": "{song}"}, None),
    ("setRating", {"id": "{song}", "rating": "3"}, None),
    ("scrobble", {"id": "{song}", "submission": "false"}, None),
    ("savePlayQueue", {"id": "{song}", "current": "{song}", "position": "1000"}, None),
    ("updatePlaylist", {"playlistId": "{playlist}", "name": "Renamed"}, None),
    ("createPlaylist", {"name": "Another", "songId": "{song}"}, "playlist"),
]

# (method, params, expected error code)
ERRORS: list[tuple[str, dict[str, str], int]] = [
    ("getUser", {}, 10),
    ("getUser", {"username": "nobody"}, 70),
    ("getMusicDirectory", {}, 10),
    ("getMusicDirectory", {"id": "zz-none"}, 70),
    ("getIndexes", {"musicFolderId": "7"}, 70),
    ("getArtist", {}, 10),
    ("getArtist", {"id": "ar-none"}, 70),
    ("getAlbum", {}, 10),
    ("getAlbum", {"id": "al-none"}, 70),
    ("getSong", {"id": "tr-none"}, 70),
    ("getAlbumList2", {}, 10),
    ("getAlbumList2", {"type": "loudest"}, 0),
    ("getAlbumList2", {"type": "byYear", "fromYear": "2000"}, 10),
    ("getAlbumList2", {"type": "byGenre"}, 10),
    ("getAlbumList2", {"type": "newest", "size": "-1"}, 0),
    ("getAlbumList", {"type": "newest", "size": "many"}, 0),
    ("getRandomSongs", {"size": "9999"}, 0),
    ("getSongsByGenre", {}, 10),
    ("getPlaylist", {}, 10),
    ("getPlaylist", {"id": "pl-none"}, 70),
    ("createPlaylist", {}, 10),
    ("createPlaylist", {"name": "x", "songId": "tr-none"}, 0),
    ("updatePlaylist", {}, 10),
    ("updatePlaylist", {"playlistId": "{playlist}", "songIndexToRemove": "99"}, 0),
    ("deletePlaylist", {"id": "pl-none"}, 70),
    ("star", {}, 10),
    ("star", {"id": "tr-none"}, 70),
    ("unstar", {}, 10),
    ("setRating", {"id": "{song}"}, 10),
    ("setRating", {"id": "{song}", "rating": "6"}, 0),
    ("setRating", {"id": "tr-none", "rating": "2"}, 70),
    ("scrobble", {}, 10),
    ("scrobble", {"id": "tr-none"}, 70),
    ("scrobble", {"id": "{song}", "time": "yesterday"}, 0),
    ("savePlayQueue", {"id": "tr-none"}, 70),
    ("savePlayQueue", {"id": "{song}", "current": "tr-other"}, 0),
    ("getTopSongs", {}, 10),
    ("getSimilarSongs2", {}, 10),
    ("getSimilarSongs2", {"id": "ar-none"}, 70),
    ("getSimilarSongs", {"id": "xx-none"}, 70),
    ("getLyricsBySongId", {}, 10),
    ("getLyricsBySongId", {"id": "tr-none"}, 70),
    ("getCoverArt", {}, 10),
    ("getCoverArt", {"id": "al-none"}, 70),
    ("getCoverArt", {"id": "{album}", "size": "0"}, 0),
    ("stream", {}, 10),
    ("stream", {"id": "tr-none"}, 70),
    ("stream", {"id": "{song}", "maxBitRate": "fast"}, 0),
    ("stream", {"id": "{song}", "timeOffset": "9999"}, 0),
    ("download", {"id": "tr-none"}, 70),
]


@pytest.fixture
async def ids(subsonic: Any) -> dict[str, str]:
    album = await first_album(subsonic)
    song = (await all_songs(subsonic))[0]
    created = await subsonic.ok("createPlaylist", name="Matrix", songId=song["id"])
    return {
        "album": album["id"],
        "artist": album["artistId"],
        "artist_name": album["artist"],
        "song": song["id"],
        "playlist": created["playlist"]["id"],
    }


def _fill(params: dict[str, str], ids: dict[str, str]) -> dict[str, str]:
    return {k: v.format(**ids) for k, v in params.items()}


async def test_every_method_answers_in_json_and_xml(subsonic: Any, ids: dict[str, str]) -> None:
    for method, params, element in SUCCESS:
        filled = _fill(params, ids)
        body = await subsonic.ok(method, **filled)
        if element is not None:
            assert element in body, (method, body)
        xml = await subsonic.call(method, f="xml", **filled)
        root = xml_root(xml.text)
        assert root.attrib["status"] == "ok", (method, xml.text)
        expected = [] if element is None else [element]
        if method == "getOpenSubsonicExtensions":
            expected = [element] * len(body[element])  # type: ignore[list-item]
        assert sorted(set(children(root))) == sorted(set(expected)), (method, xml.text[:300])


async def test_every_error_case_has_its_code_in_json_and_xml(
    subsonic: Any, ids: dict[str, str]
) -> None:
    for method, params, code in ERRORS:
        filled = _fill(params, ids)
        message = await subsonic.error(method, code, **filled)
        assert message, method
        xml = await subsonic.call(method, f="xml", **filled)
        root = xml_root(xml.text)
        assert root.attrib["status"] == "failed", (method, xml.text)
        (error,) = list(root)
        assert error.attrib["code"] == str(code), (method, xml.text)


async def test_delete_playlist_and_scans_in_xml(subsonic: Any, ids: dict[str, str]) -> None:
    xml = await subsonic.call("deletePlaylist", f="xml", id=ids["playlist"])
    assert xml_root(xml.text).attrib["status"] == "ok"
    await subsonic.error("getPlaylist", 70, id=ids["playlist"])
    started = await subsonic.call("startScan", f="xml")
    root = xml_root(started.text)
    assert children(root) == ["scanStatus"]
    for _ in range(200):  # the scan runs in the background: wait for its end
        status = (await subsonic.ok("getScanStatus"))["scanStatus"]
        if not status["scanning"]:
            break
        await anyio.sleep(0.05)
    assert status == {"scanning": False, "count": 12, "lastScan": status["lastScan"]}
