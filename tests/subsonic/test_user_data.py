"""Playlists, stars, ratings, scrobbles, now playing and the play queue through /rest."""

from __future__ import annotations

import time
from typing import Any

import pytest
from subsonic_helpers import all_songs, first_album

from segue.events.builtin_jobs import PLAYBACK_TOPIC

pytestmark = pytest.mark.anyio


async def test_playlist_lifecycle(subsonic: Any, auth_headers: dict[str, str]) -> None:
    songs = [s["id"] for s in await all_songs(subsonic)][:4]
    created = (await subsonic.ok("createPlaylist", name="Road trip", songId=songs[:3]))["playlist"]
    assert created["name"] == "Road trip" and created["songCount"] == 3
    assert [e["id"] for e in created["entry"]] == songs[:3]
    pid = created["id"]
    listed = (await subsonic.ok("getPlaylists"))["playlists"]["playlist"]
    assert [(p["id"], p["owner"], p["songCount"]) for p in listed] == [(pid, "admin", 3)]
    # Remove the second entry, add the fourth song, rename and publish.
    await subsonic.ok(
        "updatePlaylist",
        playlistId=pid,
        songIndexToRemove="1",
        songIdToAdd=songs[3],
        name="Road trip II",
        comment="for the car",
        public="true",
    )
    got = (await subsonic.ok("getPlaylist", id=pid))["playlist"]
    assert [e["id"] for e in got["entry"]] == [songs[0], songs[2], songs[3]]
    assert (got["name"], got["comment"], got["public"]) == ("Road trip II", "for the car", True)
    # The same playlist through Segue's own API.
    native = await subsonic.client.get(f"/api/v1/playlists/{pid}", headers=auth_headers)
    assert native.json()["name"] == "Road trip II" and native.json()["entry_count"] == 3
    # createPlaylist with playlistId replaces the songs.
    replaced = (await subsonic.ok("createPlaylist", playlistId=pid, songId=[songs[1]]))["playlist"]
    assert [e["id"] for e in replaced["entry"]] == [songs[1]]
    await subsonic.ok("deletePlaylist", id=pid)
    await subsonic.error("getPlaylist", 70, id=pid)
    assert (await subsonic.ok("getPlaylists"))["playlists"]["playlist"] == []


async def test_other_users_private_playlists_are_not_found_and_not_deletable(
    subsonic: Any, user_headers: dict[str, str], user_credentials: Any
) -> None:
    song = (await all_songs(subsonic))[0]["id"]
    pid = (await subsonic.ok("createPlaylist", name="Mine", songId=song))["playlist"]["id"]
    as_user = {
        "u": user_credentials.name,
        "p": user_credentials.password,
        "v": "1.16.1",
        "c": "t",
        "f": "json",
    }
    for method in ("getPlaylist", "deletePlaylist"):
        response = await subsonic.client.get(f"/rest/{method}", params={**as_user, "id": pid})
        assert response.json()["subsonic-response"]["error"]["code"] == 70
    await subsonic.ok("updatePlaylist", playlistId=pid, public="true")
    response = await subsonic.client.get("/rest/deletePlaylist", params={**as_user, "id": pid})
    assert response.json()["subsonic-response"]["error"]["code"] == 50
    assert (await subsonic.ok("getPlaylist", id=pid))["playlist"]["songCount"] == 1


async def test_star_unstar_and_starred2(subsonic: Any, auth_headers: dict[str, str]) -> None:
    album = await first_album(subsonic)
    song = (await all_songs(subsonic))[0]
    await subsonic.ok("star", id=song["id"], albumId=album["id"], artistId=album["artistId"])
    starred = (await subsonic.ok("getStarred2"))["starred2"]
    assert [s["id"] for s in starred["song"]] == [song["id"]]
    assert [a["id"] for a in starred["album"]] == [album["id"]]
    assert [a["id"] for a in starred["artist"]] == [album["artistId"]]
    assert "starred" in starred["song"][0]
    assert "starred" in (await subsonic.ok("getSong", id=song["id"]))["song"]
    # Stars are Segue's saved library.
    library = await subsonic.client.get("/api/v1/library?kind=album", headers=auth_headers)
    assert [i["id"] for i in library.json()["items"]] == [album["id"]]
    listed = (await subsonic.ok("getAlbumList2", type="starred"))["albumList2"]["album"]
    assert [a["id"] for a in listed] == [album["id"]]
    await subsonic.ok("unstar", id=song["id"], albumId=album["id"])
    starred = (await subsonic.ok("getStarred2"))["starred2"]
    assert starred["song"] == [] and starred["album"] == []
    assert "starred" not in (await subsonic.ok("getSong", id=song["id"]))["song"]


async def test_ratings_are_kept_and_rank_highest(subsonic: Any) -> None:
    songs = await all_songs(subsonic)
    await subsonic.ok("setRating", id=songs[0]["id"], rating="4")
    assert (await subsonic.ok("getSong", id=songs[0]["id"]))["song"]["userRating"] == 4
    albums = (await subsonic.ok("getAlbumList2", type="alphabeticalByName", size=50))["albumList2"][
        "album"
    ]
    await subsonic.ok("setRating", id=albums[1]["id"], rating="5")
    await subsonic.ok("setRating", id=albums[0]["id"], rating="2")
    highest = (await subsonic.ok("getAlbumList2", type="highest"))["albumList2"]["album"]
    assert [a["id"] for a in highest] == [albums[1]["id"], albums[0]["id"]]
    await subsonic.ok("setRating", id=songs[0]["id"], rating="0")
    assert "userRating" not in (await subsonic.ok("getSong", id=songs[0]["id"]))["song"]
    # Kept in the catalog (shared by every server process), not in a plugin file.
    stored = await subsonic.context.catalog.get_user_secret(
        (await subsonic.context.catalog.get_user_by_name("admin")).id, "subsonic.ratings"
    )
    assert stored is not None and albums[1]["id"] in stored


async def test_scrobble_submission_records_a_completed_playback(subsonic: Any) -> None:
    song = (await all_songs(subsonic))[0]
    played_ms = int(time.time() * 1000) - 60_000
    await subsonic.ok("scrobble", id=song["id"], time=str(played_ms))
    await subsonic.ok("scrobble", id=song["id"], time=str(played_ms))  # a retry: same event
    events = subsonic.context.events
    deliveries = await events.claim(PLAYBACK_TOPIC, "subsonic-test", "t", limit=50)
    payloads = [d.payload for d in deliveries]
    assert len(payloads) == 1
    (event,) = payloads
    assert event["track_id"] == song["id"] and event["completed"] is True
    assert event["duration_listened_ms"] > 0
    assert event["reported_at"] == pytest.approx(played_ms / 1000)


async def test_now_playing_follows_privacy(
    subsonic: Any, user_headers: dict[str, str], user_credentials: Any, auth_headers: dict[str, str]
) -> None:
    client = subsonic.client
    song = (await all_songs(subsonic))[0]
    await subsonic.ok("scrobble", id=song["id"], submission="false")
    mine = (await subsonic.ok("getNowPlaying"))["nowPlaying"]["entry"]
    assert [(e["id"], e["username"]) for e in mine] == [(song["id"], "admin")]
    as_user = {
        "u": user_credentials.name,
        "p": user_credentials.password,
        "v": "1.16.1",
        "c": "t",
        "f": "json",
    }

    async def seen_by_listener() -> list[str]:
        response = await client.get("/rest/getNowPlaying", params=as_user)
        return [
            e["username"]
            for e in response.json()["subsonic-response"]["nowPlaying"].get("entry", [])
        ]

    assert await seen_by_listener() == []  # not friends
    sent = await client.post(
        "/api/v1/friends/requests", json={"username": user_credentials.name}, headers=auth_headers
    )
    accepted = await client.post(
        f"/api/v1/friends/requests/{sent.json()['id']}/accept", headers=user_headers
    )
    assert accepted.status_code == 200
    assert await seen_by_listener() == ["admin"]
    private = await client.put(
        "/api/v1/me/privacy", json={"private_session": True}, headers=auth_headers
    )
    assert private.status_code in (200, 204)
    assert await seen_by_listener() == []


async def test_play_queue_round_trip_is_segues_queue(
    subsonic: Any, auth_headers: dict[str, str]
) -> None:
    songs = [s["id"] for s in await all_songs(subsonic)][:3]
    await subsonic.ok("savePlayQueue", id=songs, current=songs[1], position="12000")
    queue = (await subsonic.ok("getPlayQueue"))["playQueue"]
    assert [e["id"] for e in queue["entry"]] == songs
    assert (queue["current"], queue["position"], queue["username"]) == (songs[1], 12000, "admin")
    native = (await subsonic.client.get("/api/v1/queue", headers=auth_headers)).json()
    assert native["track_ids"] == songs and native["position"] == 1
    await subsonic.ok("savePlayQueue")
    assert (await subsonic.ok("getPlayQueue"))["playQueue"]["entry"] == []
