"""The HTTP API: admin duplicate groups, the preferred file, recording ids in track JSON, identify."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fingerprint_audio import MP3_128, reencode, write_song
from fingerprint_helpers import ADMIN, EXPECTED_GROUPS, Setup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from segue.app import create_app
from segue.runtime import load

pytestmark = pytest.mark.anyio

Client = AsyncTestClient[Litestar]


@asynccontextmanager
async def serving(setup: Setup) -> AsyncIterator[tuple[Client, dict[str, str]]]:
    """The app on ``setup`` and the admin's bearer headers."""
    _raw, _plugins, context = load(setup.config, role="server")
    async with AsyncTestClient(app=create_app(context)) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        )
        assert login.status_code == 200, login.text
        yield client, {"Authorization": f"Bearer {login.json()['token']}"}


async def listener_headers(client: Client, admin: dict[str, str]) -> dict[str, str]:
    made = await client.post(
        "/api/v1/admin/users",
        json={"name": "listener", "password": "listener-password"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    login = await client.post(
        "/api/v1/auth/login", json={"username": "listener", "password": "listener-password"}
    )
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def test_admin_lists_groups_and_listeners_may_not(ingested_copy: Setup) -> None:
    async with serving(ingested_copy) as (client, admin):
        listed = await client.get("/api/v1/admin/duplicates", headers=admin)
        refreshed = await client.get("/api/v1/admin/duplicates?refresh=true", headers=admin)
        anonymous = await client.get("/api/v1/admin/duplicates")
        forbidden = await client.get(
            "/api/v1/admin/duplicates", headers=await listener_headers(client, admin)
        )

    assert listed.status_code == 200, listed.text
    groups = sorted(({m["relpath"] for m in g["members"]} for g in listed.json()), key=sorted)
    assert groups == sorted(EXPECTED_GROUPS, key=sorted)
    assert refreshed.json() == listed.json()  # recording ids are stable across detections
    assert anonymous.status_code == 401
    assert forbidden.status_code == 403


async def test_preferred_file_is_persisted_and_shown_in_track_json(ingested_copy: Setup) -> None:
    async with serving(ingested_copy) as (client, admin):
        group = next(
            g for g in (await client.get("/api/v1/admin/duplicates", headers=admin)).json()
        )
        mp3 = next(m for m in group["members"] if m["codec"] == "mp3")
        assert group["preferred_track_id"] != mp3["track_id"]  # the FLAC, until an admin says
        chosen = await client.put(
            f"/api/v1/admin/duplicates/{group['id']}/preferred",
            json={"track_id": mp3["track_id"]},
            headers=admin,
        )
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["preferred_track_id"] == mp3["track_id"]

    # A new process on the same data dir still knows the choice.
    async with serving(ingested_copy) as (client, admin):
        again = {
            g["id"]: g for g in (await client.get("/api/v1/admin/duplicates", headers=admin)).json()
        }
        track = await client.get(f"/api/v1/tracks/{mp3['track_id']}", headers=admin)
        other = next(m for m in group["members"] if m["track_id"] != mp3["track_id"])
        other_track = await client.get(f"/api/v1/tracks/{other['track_id']}", headers=admin)

    assert again[group["id"]]["preferred_track_id"] == mp3["track_id"]
    for shown in (track.json(), other_track.json()):
        assert shown["extra"]["recording_id"] == group["recording_id"]
        assert shown["extra"]["preferred_track_id"] == mp3["track_id"]
    assert other["track_id"] in track.json()["extra"]["duplicate_track_ids"]


async def test_choosing_a_preferred_file_rejects_bad_choices(ingested_copy: Setup) -> None:
    async with serving(ingested_copy) as (client, admin):
        groups = (await client.get("/api/v1/admin/duplicates", headers=admin)).json()
        stranger = groups[1]["members"][0]["track_id"]
        wrong_member = await client.put(
            f"/api/v1/admin/duplicates/{groups[0]['id']}/preferred",
            json={"track_id": stranger},
            headers=admin,
        )
        unknown = await client.put(
            "/api/v1/admin/duplicates/no-such-group/preferred",
            json={"track_id": stranger},
            headers=admin,
        )
        malformed = await client.put(
            f"/api/v1/admin/duplicates/{groups[0]['id']}/preferred",
            json={"track": stranger},
            headers=admin,
        )

    assert wrong_member.status_code == 400
    assert "is not in duplicate group" in wrong_member.json()["detail"]
    assert unknown.status_code == 404
    assert "no-such-group" in unknown.json()["detail"]
    assert malformed.status_code == 400


async def test_a_track_without_copies_is_its_own_recording(ingested_copy: Setup) -> None:
    async with serving(ingested_copy) as (client, admin):
        page = (await client.get("/api/v1/tracks?limit=100", headers=admin)).json()

    single = next(t for t in page["items"] if t["path"] == "Singles/04 Fourth.flac")
    # No copies: no fields, and by the hook's contract the track is its own recording.
    assert "recording_id" not in single["extra"]
    assert "preferred_track_id" not in single["extra"]


async def test_identify_finds_the_song_a_clip_was_cut_from(
    ingested_copy: Setup, tmp_path: Path
) -> None:
    # 8 seconds from the middle of the second album song, re-encoded as MP3.
    source = ingested_copy.library / "Album (FLAC)/02 Second.flac"
    clip = await reencode(source, tmp_path / "clip.mp3", [*MP3_128, "-t", "8"], [], skip_seconds=6)
    unknown = await write_song(tmp_path / "unknown.mp3", 42, MP3_128, [])

    async with serving(ingested_copy) as (client, admin):
        groups = (await client.get("/api/v1/admin/duplicates", headers=admin)).json()
        found = await client.post(
            "/api/v1/identify",
            content=clip.read_bytes(),
            headers={**admin, "Content-Type": "application/octet-stream"},
        )
        missing = await client.post(
            "/api/v1/identify",
            content=unknown.read_bytes(),
            headers={**admin, "Content-Type": "application/octet-stream"},
        )
        garbage = await client.post(
            "/api/v1/identify",
            content=b"not audio at all",
            headers={**admin, "Content-Type": "application/octet-stream"},
        )

    second = next(g for g in groups if any("Second" in m["relpath"] for m in g["members"]))
    assert found.status_code == 200, found.text
    assert found.json()["recording_id"] == second["recording_id"]
    assert found.json()["track_id"] in {m["track_id"] for m in second["members"]}
    assert 5.0 <= found.json()["offset_seconds"] <= 7.0
    assert missing.status_code == 404
    assert garbage.status_code == 400
    assert "fpcalc" in garbage.json()["detail"]
