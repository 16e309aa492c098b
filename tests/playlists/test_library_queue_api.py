"""Library, listening history and play queue over real HTTP, on every playlists backend."""

from __future__ import annotations

import time
import uuid

import pytest
from playlists_helpers import Api, problem_detail

from segue.models import PlaybackEvent
from segue.playlists.shuffle import adjacent_repeats

pytestmark = pytest.mark.anyio


async def test_library_save_list_and_remove(api: Api) -> None:
    t = api.track_ids
    saved = await api.client.post(
        "/api/v1/library", json={"kind": "track", "ids": t[:3]}, headers=api.owner
    )
    assert saved.status_code == 204, saved.text
    track = (await api.client.get(f"/api/v1/tracks/{t[0]}", headers=api.owner)).json()
    album_saved = await api.client.post(
        "/api/v1/library", json={"kind": "album", "ids": [track["album_id"]]}, headers=api.owner
    )
    assert album_saved.status_code == 204, album_saved.text
    page = (await api.client.get("/api/v1/library", headers=api.owner)).json()
    assert page["total"] == 3 and {i["id"] for i in page["items"]} == set(t[:3])
    assert all(i["track"]["title"] for i in page["items"])
    albums = (
        await api.client.get("/api/v1/library", params={"kind": "album"}, headers=api.owner)
    ).json()
    assert albums["items"][0]["album"]["id"] == track["album_id"]

    removed = await api.client.delete(f"/api/v1/library/track/{t[1]}", headers=api.owner)
    assert removed.status_code == 204
    bulk = await api.client.post(
        "/api/v1/library/remove", json={"kind": "track", "ids": [t[2], "x"]}, headers=api.owner
    )
    assert bulk.json() == {"removed": 1}
    page = (await api.client.get("/api/v1/library", headers=api.owner)).json()
    assert [i["id"] for i in page["items"]] == [t[0]]
    other = (await api.client.get("/api/v1/library", headers=api.other)).json()
    assert other["total"] == 0

    unknown = await api.client.post(
        "/api/v1/library", json={"kind": "artist", "ids": ["nobody"]}, headers=api.owner
    )
    assert unknown.status_code == 422 and "nobody" in problem_detail(unknown)


async def test_history_follows_playback_events(api: Api) -> None:
    me = await api.context.catalog.get_user_by_name("admin")
    assert me is not None
    event = PlaybackEvent(
        id=uuid.uuid4().hex,
        user_id=me.id,
        track_id=api.track_ids[0],
        duration_listened_ms=4000,
        completed=True,
        device_id="phone",
        session_id="s1",
        context="album:x",
        reported_at=time.time(),
    )
    # As the playback consumer does, on the app's loop; a redelivered event is stored once.
    await api.in_app(api.context.notify, "playback_events", events=[event])
    await api.in_app(api.context.notify, "playback_events", events=[event, event])
    history = (await api.client.get("/api/v1/history", headers=api.owner)).json()
    assert history["total"] == 1
    (item,) = history["items"]
    assert (item["id"], item["track"]["id"], item["completed"]) == (
        event.id,
        api.track_ids[0],
        True,
    )
    assert (await api.client.get("/api/v1/history", headers=api.other)).json()["total"] == 0


async def test_queue_replace_skip_add_repeat(api: Api) -> None:
    t = api.track_ids
    put = await api.client.put(
        "/api/v1/queue", json={"track_ids": t[:4], "position": 1}, headers=api.owner
    )
    assert put.status_code == 200, put.text
    queue = put.json()
    assert queue["current"]["id"] == t[1] and [u["id"] for u in queue["upcoming"]] == t[2:4]
    assert queue["version"] == 1

    nxt = (await api.client.post("/api/v1/queue/next", headers=api.owner)).json()
    assert nxt["position"] == 2
    added = await api.client.post(
        "/api/v1/queue/tracks", json={"track_ids": [t[5]], "next": True}, headers=api.owner
    )
    assert added.json()["track_ids"] == [t[0], t[1], t[2], t[5], t[3]]
    repeat = await api.client.patch(
        "/api/v1/queue", json={"repeat": "all", "position": 4}, headers=api.owner
    )
    assert repeat.status_code == 200, repeat.text
    wrapped = (await api.client.post("/api/v1/queue/next", headers=api.owner)).json()
    assert wrapped["position"] == 0 and wrapped["current"]["id"] == t[0]

    stale = await api.client.patch(
        "/api/v1/queue", json={"position_ms": 1000, "base_version": 1}, headers=api.owner
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == wrapped["version"]
    past_end = await api.client.patch("/api/v1/queue", json={"position": 99}, headers=api.owner)
    assert past_end.status_code == 422
    unknown = await api.client.put("/api/v1/queue", json={"track_ids": ["nope"]}, headers=api.owner)
    assert unknown.status_code == 422
    synced = (await api.client.get("/api/v1/queue", headers=api.owner)).json()
    assert synced["version"] == wrapped["version"]  # every device reads the same queue


async def test_queue_shuffle_spreads_artists_and_restores_order(api: Api) -> None:
    t = api.track_ids
    artists = {
        tr["id"]: tr["artist_id"]
        for tr in (
            await api.client.get("/api/v1/tracks", params={"limit": 100}, headers=api.owner)
        ).json()["items"]
    }
    assert len(set(artists.values())) > 1
    await api.client.put("/api/v1/queue", json={"track_ids": t, "position": 2}, headers=api.owner)
    shuffled = (
        await api.client.patch("/api/v1/queue", json={"shuffle": True}, headers=api.owner)
    ).json()
    assert shuffled["shuffle"] is True and shuffled["current"]["id"] == t[2]
    assert sorted(shuffled["track_ids"]) == sorted(t)
    counts = sorted((list(artists.values()).count(a) for a in set(artists.values())), reverse=True)
    if counts[0] <= (len(t) + 1) // 2:  # the mix allows no back-to-back artist at all
        assert adjacent_repeats([artists[i] for i in shuffled["track_ids"]]) == 0
    restored = (
        await api.client.patch("/api/v1/queue", json={"shuffle": False}, headers=api.owner)
    ).json()
    assert restored["track_ids"] == t and restored["current"]["id"] == t[2]
