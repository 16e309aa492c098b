"""The playlists HTTP API over real HTTP (Litestar's test client), on every playlists backend."""

from __future__ import annotations

import anyio
import pytest
from playlists_helpers import Api, problem_detail

from segue.playlists.models import MAX_ENTRIES

pytestmark = pytest.mark.anyio


async def test_seed_endpoints_create_add_and_page(api: Api) -> None:
    t = api.track_ids
    playlist = await api.create(name="Morning", track_ids=t[:2])
    assert (playlist["name"], playlist["entry_count"], playlist["can_edit"]) == ("Morning", 2, True)
    assert playlist["cover_urls"], "covers come from the first tracks"
    added = await api.client.post(
        f"/api/v1/playlists/{playlist['id']}/tracks",
        json={"track_ids": t[2:5]},
        headers=api.owner,
    )
    assert added.status_code == 200, added.text
    assert added.json()["diff"][0]["op"] == "insert"
    page = await api.client.get(
        f"/api/v1/playlists/{playlist['id']}/tracks",
        params={"offset": 1, "limit": 2},
        headers=api.owner,
    )
    assert page.status_code == 200
    body = page.json()
    assert (body["total"], body["offset"], body["limit"]) == (5, 1, 2)
    assert [e["track"]["id"] for e in body["items"]] == t[1:3]
    assert body["items"][0]["track"]["title"]


async def test_edit_by_entry_id_move_remove_and_batch(api: Api) -> None:
    t = api.track_ids
    playlist = await api.create(track_ids=t[:4])
    pid = playlist["id"]
    a, b, c, d = (e["id"] for e in await api.entries(pid))
    moved = await api.client.post(
        f"/api/v1/playlists/{pid}/tracks/{a}/move", json={"after": c}, headers=api.owner
    )
    assert moved.status_code == 200, moved.text
    removed = await api.client.delete(f"/api/v1/playlists/{pid}/tracks/{b}", headers=api.owner)
    assert removed.status_code == 200, removed.text
    batch = await api.client.post(
        f"/api/v1/playlists/{pid}/edits",
        json={
            "ops": [
                {"op": "insert", "track_ids": [t[5]], "after": b},
                {"op": "move", "entry_id": d, "after": None},
            ]
        },
        headers=api.owner,
    )
    assert batch.status_code == 200, batch.text
    assert [e["track"]["id"] for e in await api.entries(pid)] == [t[3], t[5], t[2], t[0]]


async def test_conflicts_answer_409_with_the_current_version(api: Api) -> None:
    playlist = await api.create(track_ids=api.track_ids[:2])
    pid = playlist["id"]
    first, _second = (e["id"] for e in await api.entries(pid))
    seen = playlist["version"]
    await api.client.delete(f"/api/v1/playlists/{pid}/tracks/{first}", headers=api.owner)
    late = await api.client.post(
        f"/api/v1/playlists/{pid}/tracks/{first}/move",
        json={"after": None, "base_version": seen},
        headers=api.owner,
    )
    assert late.status_code == 409, late.text
    assert late.json()["current_version"] == seen + 1
    assert "removed" in problem_detail(late)
    # An insert from the same stale version commutes and is applied.
    commuting = await api.client.post(
        f"/api/v1/playlists/{pid}/tracks",
        json={"track_ids": [api.track_ids[3]], "after": first, "base_version": seen},
        headers=api.owner,
    )
    assert commuting.status_code == 200, commuting.text


async def test_idempotency_key_header(api: Api) -> None:
    pid = (await api.create())["id"]
    body = {"track_ids": [api.track_ids[0]]}
    headers = {**api.owner, "Idempotency-Key": "retry-me"}
    first = await api.client.post(f"/api/v1/playlists/{pid}/tracks", json=body, headers=headers)
    again = await api.client.post(f"/api/v1/playlists/{pid}/tracks", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(await api.entries(pid)) == 1


async def test_limits_and_unknown_tracks_are_422(api: Api) -> None:
    too_long = await api.client.post(
        "/api/v1/playlists", json={"name": "x" * 201}, headers=api.owner
    )
    assert too_long.status_code == 422 and "1 to 200" in problem_detail(too_long)
    empty = await api.client.post("/api/v1/playlists", json={"name": ""}, headers=api.owner)
    assert empty.status_code == 422
    pid = (await api.create())["id"]
    unknown = await api.client.post(
        f"/api/v1/playlists/{pid}/tracks", json={"track_ids": ["no-such-track"]}, headers=api.owner
    )
    assert unknown.status_code == 422 and "no-such-track" in problem_detail(unknown)
    too_many = await api.client.post(
        f"/api/v1/playlists/{pid}/tracks",
        json={"track_ids": [api.track_ids[0]] * (MAX_ENTRIES + 1)},
        headers=api.owner,
    )
    assert too_many.status_code == 422 and str(MAX_ENTRIES) in problem_detail(too_many)
    bad_anchor = await api.client.post(
        f"/api/v1/playlists/{pid}/tracks",
        json={"track_ids": [api.track_ids[0]], "after": "nope"},
        headers=api.owner,
    )
    assert bad_anchor.status_code == 422 and "nope" in problem_detail(bad_anchor)


async def test_privacy_collaborators_and_following(api: Api) -> None:
    playlist = await api.create(track_ids=api.track_ids[:1])
    pid = playlist["id"]
    hidden = await api.client.get(f"/api/v1/playlists/{pid}", headers=api.other)
    assert hidden.status_code == 404
    denied_follow = await api.client.put(f"/api/v1/playlists/{pid}/followers/me", headers=api.other)
    assert denied_follow.status_code == 404

    made_public = await api.client.patch(
        f"/api/v1/playlists/{pid}", json={"public": True, "collaborative": True}, headers=api.owner
    )
    assert made_public.status_code == 200 and made_public.json()["public"] is True
    not_yet = await api.client.post(
        f"/api/v1/playlists/{pid}/tracks", json={"track_ids": [api.track_ids[1]]}, headers=api.other
    )
    assert not_yet.status_code == 403
    followed = await api.client.put(f"/api/v1/playlists/{pid}/followers/me", headers=api.other)
    assert followed.status_code == 200 and followed.json()["following"] is True
    assert followed.json()["follower_count"] == 1

    added = await api.client.put(
        f"/api/v1/playlists/{pid}/collaborators/{api.other_id}", headers=api.owner
    )
    assert added.status_code == 200 and added.json()["collaborators"] == [api.other_id]
    now_ok = await api.client.post(
        f"/api/v1/playlists/{pid}/tracks", json={"track_ids": [api.track_ids[1]]}, headers=api.other
    )
    assert now_ok.status_code == 200, now_ok.text
    rename = await api.client.patch(
        f"/api/v1/playlists/{pid}", json={"name": "x"}, headers=api.other
    )
    assert rename.status_code == 403
    mine = await api.client.get("/api/v1/playlists", headers=api.other)
    assert [p["id"] for p in mine.json()] == [pid]

    gone = await api.client.delete(f"/api/v1/playlists/{pid}", headers=api.owner)
    assert gone.status_code == 204
    assert (await api.client.get(f"/api/v1/playlists/{pid}", headers=api.owner)).status_code == 404


async def test_many_clients_editing_at_once_lose_nothing(api: Api) -> None:
    """Acknowledged inserts appear exactly once; removed entries never come back."""
    t = api.track_ids
    playlist = await api.create(track_ids=t[:8], collaborative=True)
    pid = playlist["id"]
    await api.client.put(f"/api/v1/playlists/{pid}/collaborators/{api.other_id}", headers=api.owner)
    seeds = [e["id"] for e in await api.entries(pid)]
    doomed = set(seeds[:4])
    inserted: list[str] = []  # entry ids the server acknowledged

    async def client_edits(n: int) -> None:
        headers = api.owner if n % 2 else api.other
        for k in range(4):
            response = await api.client.post(
                f"/api/v1/playlists/{pid}/tracks",
                json={"track_ids": [t[(n + k) % len(t)]], "after": seeds[(n * 3 + k) % 8]},
                headers=headers,
            )
            assert response.status_code == 200, response.text
            inserted.extend(e["id"] for e in response.json()["diff"][0]["entries"])
        if n < 4:
            response = await api.client.delete(
                f"/api/v1/playlists/{pid}/tracks/{seeds[n]}", headers=headers
            )
            assert response.status_code == 200, response.text

    async with anyio.create_task_group() as tg:
        for n in range(8):
            tg.start_soon(client_edits, n)

    final = [e["id"] for e in await api.entries(pid)]
    assert len(inserted) == 32
    assert sorted(i for i in final if i not in seeds) == sorted(inserted)
    assert len(final) == len(set(final))
    assert not doomed & set(final)
    assert [s for s in final if s in seeds] == seeds[4:]
