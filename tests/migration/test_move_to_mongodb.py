"""A one-box install moved to MongoDB + Valkey with the documented commands (docs/migrating.md).

The install runs on the embedded defaults (SQLite catalog, playlists and
events); users, friends, privacy, playlists, plays and history are made
through the HTTP API. Then ``segue catalog migrate --to mongodb`` and
``segue playlists migrate --to mongodb`` run, the config switches every
shared slot (catalog, playlists, presence, events), and the restarted app
must still know everything: same passwords, same tokens, same data.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient

from segue.app import create_app
from segue.cli.main import build_cli
from segue.context import SegueContext
from segue.runtime import load, open_context

pytestmark = pytest.mark.anyio

ADMIN, ADMIN_PASSWORD = "admin", "admin-password-for-tests"
ALICE, ALICE_PASSWORD = "alice", "alice-password-1"
BOB, BOB_PASSWORD = "bob", "bob-password-22"
SECRET_NAME = "subsonic.password"


def one_box_config(data_dir: Path, library: Path, ferretdb_url: str, database: str) -> str:
    """The embedded defaults, plus the MongoDB sections the migration commands read."""
    return (
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n\n'
        f'[auth]\nadmin_user = "{ADMIN}"\nadmin_password = "{ADMIN_PASSWORD}"\n'
        "login_attempts_per_minute = 1000\n\n"
        '[events]\nbackend = "sqlite"\nrun_consumers_in_server = true\n\n'
        '[search]\nbackend = "none"\n\n'
        f'[plugins.catalog-mongodb]\nurl = "{ferretdb_url}"\ndatabase = "{database}c"\n\n'
        f'[plugins.playlists-mongodb]\nurl = "{ferretdb_url}"\ndatabase = "{database}p"\n'
    )


def scaled_out(one_box: str, valkey_url: str, prefix: str) -> str:
    """The config after the move: the documented switches, nothing else changed."""
    return (
        one_box.replace(
            'backend = "sqlite"\nrun_consumers_in_server',
            'backend = "valkey"\nrun_consumers_in_server',
        )
        + '\n[catalog]\nbackend = "mongodb"\n\n[playlists]\nbackend = "mongodb"\n\n'
        '[presence]\nbackend = "valkey"\n\n'
        f'[plugins.presence-valkey]\nurl = "{valkey_url}"\nkey_prefix = "{prefix}presence:"\n\n'
        f'[plugins.events-valkey]\nurl = "{valkey_url}"\nkey_prefix = "{prefix}events:"\n'
    )


@asynccontextmanager
async def running_app(
    config: Path,
) -> AsyncIterator[tuple[AsyncTestClient[Litestar], SegueContext]]:
    _raw, _plugins, context = load(config, role="server")
    async with AsyncTestClient(app=create_app(context)) as client:
        yield client, context


async def login(client: AsyncTestClient[Litestar], name: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": name, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def eventually(check: Callable[[], Any], within: float = 30.0) -> None:
    """Wait until ``await check()`` is true: plays are counted by a consumer task."""
    with anyio.fail_after(within):
        while not await check():  # noqa: ASYNC110 - polls state a consumer task changes silently
            await anyio.sleep(0.05)


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(build_cli(list(args)), list(args))
    assert result.exit_code == 0, result.output
    return result.output


async def fill_one_box(config: Path) -> dict[str, Any]:
    """Use the one-box install through its API; return what must survive the move."""
    async with running_app(config) as (client, context):
        admin = await login(client, ADMIN, ADMIN_PASSWORD)
        for name, password in ((ALICE, ALICE_PASSWORD), (BOB, BOB_PASSWORD)):
            created = await client.post(
                "/api/v1/admin/users",
                json={"name": name, "password": password, "is_admin": False},
                headers=admin,
            )
            assert created.status_code == 201, created.text
        alice, bob = (
            await login(client, ALICE, ALICE_PASSWORD),
            await login(client, BOB, BOB_PASSWORD),
        )
        key = await client.post("/api/v1/me/api-keys", json={"name": "sync"}, headers=alice)
        assert key.status_code in (200, 201), key.text
        api_key = {"Authorization": f"Bearer {key.json()['key']}"}

        sent = await client.post("/api/v1/friends/requests", json={"username": BOB}, headers=alice)
        assert sent.status_code in (200, 201), sent.text
        accepted = await client.post(
            f"/api/v1/friends/requests/{sent.json()['id']}/accept", headers=bob
        )
        assert accepted.status_code == 200, accepted.text
        private = {"private_session": False, "private_until": None, "publish_activity": False}
        assert (
            await client.put("/api/v1/me/privacy", json=private, headers=bob)
        ).status_code == 200

        tracks = (await client.get("/api/v1/tracks", params={"limit": 3}, headers=alice)).json()
        track_ids = [t["id"] for t in tracks["items"]]
        playlist = await client.post(
            "/api/v1/playlists", json={"name": "Road trip", "track_ids": track_ids}, headers=alice
        )
        assert playlist.status_code == 201, playlist.text
        played = track_ids[0]
        for n in range(2):
            report = {
                "track_id": played,
                "duration_listened_ms": 95_000,
                "completed": True,
                "device_id": "phone",
                "session_id": f"s{n}",
            }
            answer = await client.post("/api/v1/playback/report", json=report, headers=alice)
            assert answer.status_code == 202, answer.text

        async def counted() -> bool:
            track = (await client.get(f"/api/v1/tracks/{played}", headers=alice)).json()
            history = (await client.get("/api/v1/history", headers=alice)).json()
            return bool(track["play_count"] == 2 and history["total"] == 2)

        await eventually(counted)
        me = (await client.get("/api/v1/me", headers=alice)).json()
        await context.catalog.set_user_secret(me["id"], SECRET_NAME, "sealed-value")
        return {
            "alice_token": alice,
            "api_key": api_key,
            "alice_id": me["id"],
            "playlist_id": playlist.json()["id"],
            "track_ids": track_ids,
            "played": played,
            "track_total": tracks["total"],
        }


async def check_scaled_out(config: Path, before: dict[str, Any]) -> None:
    async with running_app(config) as (client, context):
        assert type(context.catalog).__name__ == "MongoCatalog"
        # Old credentials still work: the session token and the API key.
        for headers in (before["alice_token"], before["api_key"]):
            me = await client.get("/api/v1/me", headers=headers)
            assert me.status_code == 200, me.text
            assert me.json()["name"] == ALICE
        # The same passwords log in.
        bob = await login(client, BOB, BOB_PASSWORD)
        alice = await login(client, ALICE, ALICE_PASSWORD)
        wrong = await client.post(
            "/api/v1/auth/login", json={"username": BOB, "password": "nope-nope"}
        )
        assert wrong.status_code == 401

        tracks = (await client.get("/api/v1/tracks", params={"limit": 1}, headers=alice)).json()
        assert tracks["total"] == before["track_total"]
        played = (await client.get(f"/api/v1/tracks/{before['played']}", headers=alice)).json()
        assert played["play_count"] == 2
        history = (await client.get("/api/v1/history", headers=alice)).json()
        assert history["total"] == 2
        assert {item["track"]["id"] for item in history["items"]} == {before["played"]}

        playlists = (await client.get("/api/v1/playlists", headers=alice)).json()
        assert [p["id"] for p in playlists] == [before["playlist_id"]]
        entries = await client.get(
            f"/api/v1/playlists/{before['playlist_id']}/tracks", headers=alice
        )
        assert entries.status_code == 200, entries.text
        assert [e["track"]["id"] for e in entries.json()["items"]] == before["track_ids"]

        friends = (await client.get("/api/v1/friends", headers=alice)).json()
        assert [f["name"] for f in friends] == [BOB]
        privacy = (await client.get("/api/v1/me/privacy", headers=bob)).json()
        assert privacy["publish_activity"] is False
        albums = (await client.get("/api/v1/albums", params={"limit": 1}, headers=alice)).json()
        assert albums["total"] > 0


async def test_one_box_install_moves_to_mongodb_and_valkey(
    tmp_path: Path,
    scanned_data_dir: Path,
    demo_library: Path,
    ferretdb_url: str,
    migration_valkey_url: str,
) -> None:
    data_dir = tmp_path / "data"
    await anyio.to_thread.run_sync(shutil.copytree, scanned_data_dir, data_dir)
    database = f"m{uuid.uuid4().hex[:10]}"
    one_box = one_box_config(data_dir, demo_library, ferretdb_url, database)
    config = tmp_path / "segue.toml"
    config.write_text(one_box, encoding="utf-8")
    before = await fill_one_box(config)

    # The documented commands, run while the one-box config is still in place.
    copied = await anyio.to_thread.run_sync(
        run_cli, "catalog", "migrate", "--to", "mongodb", "--config", str(config)
    )
    assert f"{before['track_total']} tracks" in copied and "3 users" in copied
    await anyio.to_thread.run_sync(
        run_cli, "playlists", "migrate", "--to", "mongodb", "--config", str(config)
    )
    again = await anyio.to_thread.run_sync(
        run_cli, "catalog", "migrate", "--to", "mongodb", "--config", str(config)
    )
    assert "0 users, 0 tracks, 0 credentials" in again  # idempotent: nothing copied twice

    config.write_text(scaled_out(one_box, migration_valkey_url, database), encoding="utf-8")
    await check_scaled_out(config, before)
    # Plugins' secrets (read outside the app: the test client runs it on its own loop).
    async with open_context(config, overrides={"playlists.backend": "none"}) as context:
        secret = await context.catalog.get_user_secret(before["alice_id"], SECRET_NAME)
    assert secret == "sealed-value"
