"""The admin scan API and the cover routes, over real HTTP through Litestar's test client."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import anyio
import anyio.to_thread
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

import segue
from segue.models import ListQuery, Track
from segue_catalog_filesystem.covers import embedded_picture

pytestmark = pytest.mark.anyio


class Gate:
    """A plugin holding the scan inside its first batch until the test opens it.

    The app runs on the test client's own event loop in another thread, so
    the gate uses thread-safe events.
    """

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.open = threading.Event()

    @segue.hookimpl
    async def catalog_tracks_added(self, tracks: Sequence[Track]) -> None:
        self.reached.set()
        await anyio.to_thread.run_sync(self.open.wait, 30)


async def login_headers(app: Any) -> dict[str, str]:
    """Log in as the admin the app's config names (the root conftest's test admin)."""
    auth = app.context.config.auth
    response = await app.client.post(
        "/api/v1/auth/login", json={"username": auth.admin_user, "password": auth.admin_password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def wait_until_idle(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> Any:
    with anyio.fail_after(30):
        while True:
            response = await client.get("/api/v1/admin/scan", headers=headers)
            assert response.status_code == 200, response.text
            if not response.json()["running"]:
                return response.json()
            await anyio.sleep(0.05)


async def test_admin_starts_a_scan_and_follows_it(make_app: Any) -> None:
    gate = Gate()
    async with make_app(scanned=False, extra_plugins=[("gate", gate)]) as app:
        client = app.client
        headers = await login_headers(app)

        started = await client.post("/api/v1/admin/scan", headers=headers)
        assert started.status_code == 202, started.text
        assert started.json()["running"] is True

        assert await anyio.to_thread.run_sync(gate.reached.wait, 30)
        during = await client.get("/api/v1/admin/scan", headers=headers)
        assert during.json()["running"] is True
        assert during.json()["progress"]["files_seen"] == 12
        assert during.json()["last_report"]["state"] == "running"

        again = await client.post("/api/v1/admin/scan", headers=headers)
        assert again.status_code == 409
        assert again.headers["content-type"].startswith("application/problem+json")
        assert "already running" in again.json()["detail"]

        gate.open.set()
        status = await wait_until_idle(client, headers)
        assert status["last_report"]["state"] == "finished"
        assert status["last_report"]["added"] == 12
        assert status["problems"] == []
        assert status["progress"] is None


async def test_scan_api_lists_problem_files(make_app: Any) -> None:
    async with make_app() as app:
        library = app.context.library_roots[0]
        headers = await login_headers(app)
        broken = library / "zz broken.mp3"
        broken.write_text("not audio")
        try:
            assert (await app.client.post("/api/v1/admin/scan", headers=headers)).status_code == 202
            status = await wait_until_idle(app.client, headers)
        finally:
            broken.unlink()
        assert status["last_report"]["problems"] == 1
        [problem] = status["problems"]
        assert problem["relpath"] == "zz broken.mp3"
        assert problem["reason"]


async def test_scan_api_is_for_admins_only(
    client: AsyncTestClient[Litestar], user_headers: dict[str, str]
) -> None:
    assert (await client.get("/api/v1/admin/scan", headers=user_headers)).status_code == 403
    assert (await client.post("/api/v1/admin/scan", headers=user_headers)).status_code == 403
    assert (await client.get("/api/v1/admin/scan")).status_code == 401


async def tracks_of(app: Any) -> list[Track]:
    return list((await app.context.catalog.list_tracks(ListQuery(limit=100))).items)


async def test_track_covers_folder_and_embedded(
    segue_app: Any, auth_headers: dict[str, str]
) -> None:
    client = segue_app.client
    tracks = await tracks_of(segue_app)
    library = segue_app.context.library_roots[0]

    folder = next(t for t in tracks if t.folder_cover)
    response = await client.get(f"/api/v1/tracks/{folder.id}/cover", headers=auth_headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == (library / folder.folder_cover).read_bytes()
    etag = response.headers["etag"]
    assert etag and "max-age" in response.headers["cache-control"]
    cached = await client.get(
        f"/api/v1/tracks/{folder.id}/cover", headers={**auth_headers, "If-None-Match": etag}
    )
    assert cached.status_code == 304 and cached.content == b""

    embedded = next(t for t in tracks if t.has_embedded_cover and not t.folder_cover)
    response = await client.get(f"/api/v1/tracks/{embedded.id}/cover", headers=auth_headers)
    assert response.status_code == 200
    picture = embedded_picture(library / embedded.relpath)
    assert picture is not None and response.content == picture.data
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["etag"] != etag


async def test_cover_404s_are_problems(segue_app: Any, auth_headers: dict[str, str]) -> None:
    client = segue_app.client
    bare = next(
        t for t in await tracks_of(segue_app) if not (t.has_embedded_cover or t.folder_cover)
    )
    response = await client.get(f"/api/v1/tracks/{bare.id}/cover", headers=auth_headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "no cover" in response.json()["detail"]
    response = await client.get("/api/v1/tracks/no-such-track/cover", headers=auth_headers)
    assert response.status_code == 404 and "no-such-track" in response.json()["detail"]
    assert (await client.get(f"/api/v1/tracks/{bare.id}/cover")).status_code == 401


async def test_album_cover(segue_app: Any, auth_headers: dict[str, str]) -> None:
    albums = (await segue_app.context.catalog.list_albums(ListQuery(limit=100))).items
    with_cover = [a for a in albums if a.cover_track_id]
    assert with_cover
    response = await segue_app.client.get(
        f"/api/v1/albums/{with_cover[0].id}/cover", headers=auth_headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] in ("image/jpeg", "image/png")
    missing = await segue_app.client.get("/api/v1/albums/nope/cover", headers=auth_headers)
    assert missing.status_code == 404


async def test_routes_are_in_the_openapi_document(
    client: AsyncTestClient[Litestar],
) -> None:
    schema = (await client.get("/api/docs/openapi.json")).json()
    operations = {
        op["operationId"]: op for path in schema["paths"].values() for op in path.values()
    }
    for operation_id in ("adminStartScan", "adminGetScan", "getTrackCover", "getAlbumCover"):
        assert operation_id in operations
        assert operations[operation_id]["summary"] and operations[operation_id]["tags"]
