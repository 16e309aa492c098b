"""Fixtures for the playlists slot: every backend built as Segue builds it, FerretDB for MongoDB."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playlists_helpers import PLAYLIST_PLUGINS, Api

import segue.runtime
from segue.models import ListQuery
from segue.slots.playlists import PlaylistsBackend

PLAYLISTS_BACKENDS = ["sqlite", "mongodb"]
"""Every playlists backend the contract runs against."""


@pytest.fixture(params=PLAYLISTS_BACKENDS)
def playlists_backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend_overrides(
    playlists_backend_name: str, request: pytest.FixtureRequest
) -> dict[str, Any]:
    """Config (dotted keys) selecting this test's backend; MongoDB gets a fresh database."""
    overrides: dict[str, Any] = {"playlists.backend": playlists_backend_name}
    if playlists_backend_name == "mongodb":
        url = request.getfixturevalue("ferretdb_url")
        overrides["plugins.playlists-mongodb.url"] = url
        overrides["plugins.playlists-mongodb.database"] = f"t{uuid.uuid4().hex[:16]}"
    return overrides


class PlaylistsOpener:
    """Builds and starts playlists backends through the real plugin path; closes them after."""

    def __init__(self, data_dir: Path, overrides: dict[str, Any]) -> None:
        self.data_dir = data_dir
        self.overrides = overrides
        self._open: list[PlaylistsBackend] = []

    async def open(self, extra: dict[str, Any] | None = None) -> PlaylistsBackend:
        overrides = {"server.data_dir": str(self.data_dir), **self.overrides, **(extra or {})}
        _raw, plugins, context = segue.runtime.load(None, overrides=overrides)
        name = overrides["playlists.backend"]
        backend: PlaylistsBackend = plugins.backends["playlists"][name].factory(context)  # type: ignore[assignment]
        try:
            await backend.start()
        except BaseException:
            await backend.close()
            raise
        self._open.append(backend)
        return backend

    async def close_all(self) -> None:
        while self._open:
            await self._open.pop().close()


@pytest.fixture
async def playlists_opener(
    tmp_path: Path, backend_overrides: dict[str, Any]
) -> AsyncIterator[PlaylistsOpener]:
    opener = PlaylistsOpener(tmp_path / "data", backend_overrides)
    try:
        yield opener
    finally:
        await opener.close_all()


@pytest.fixture
async def playlists(playlists_opener: PlaylistsOpener) -> PlaylistsBackend:
    return await playlists_opener.open()


@pytest.fixture
async def api(make_app: Any, backend_overrides: dict[str, Any], login: Any) -> AsyncIterator[Api]:
    """A running app on this test's playlists backend, with the admin and a second user."""
    async with make_app(extra_plugins=PLAYLIST_PLUGINS, overrides=backend_overrides) as running:
        client = running.client
        owner = {
            "Authorization": f"Bearer {await login(client, 'admin', 'admin-password-for-tests')}"
        }
        made = await client.post(
            "/api/v1/admin/users",
            json={"name": "other", "password": "other-password", "is_admin": False},
            headers=owner,
        )
        assert made.status_code == 201, made.text
        other = {"Authorization": f"Bearer {await login(client, 'other', 'other-password')}"}
        result = Api(running.context, client, owner, other, made.json()["id"])
        page = await running.context.catalog.list_tracks(ListQuery(limit=100, sort="title"))
        result.track_ids = [t.id for t in page.items]
        yield result
