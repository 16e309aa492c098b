"""Health, metrics, the OpenAPI document and error shapes (problem details, no tracebacks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
import pytest
from litestar import get
from litestar.types import ControllerRouterHandler

import segue
from segue.api import health as health_module
from segue.context import SegueContext

pytestmark = pytest.mark.anyio

SECRET = "secret-internal-detail-4242"


class _StubStorage:
    """A storage backend that can be broken on purpose; only what health uses works."""

    def __init__(self) -> None:
        self.broken = False

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def ping(self) -> None:
        if self.broken:
            raise OSError("the disk went away")


class _SlowSearch:
    """A search backend whose ping never answers."""

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def ping(self) -> None:
        await anyio.sleep_forever()


class BackendsPlugin:
    def __init__(self) -> None:
        self.storage = _StubStorage()

    @segue.hookimpl
    def register_backends(self) -> list[segue.BackendSpec]:
        return [
            segue.BackendSpec(slot="storage", name="stub", factory=lambda ctx: self.storage),
            segue.BackendSpec(slot="search", name="slow", factory=lambda ctx: _SlowSearch()),
        ]


class FailingRoutePlugin:
    @segue.hookimpl
    def register_routes(self, context: SegueContext) -> Sequence[ControllerRouterHandler]:
        @get("/api/v1/test/boom")
        async def boom() -> None:
            raise RuntimeError(SECRET)

        return [boom]


async def test_health_reports_every_running_slot(client: Any) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == segue.__version__
    assert set(body["slots"]) >= {"catalog", "events", "storage"}
    assert body["slots"]["catalog"] == {"backend": "sqlite", "ok": True, "error": None}
    assert all(slot["ok"] for slot in body["slots"].values())


async def test_health_degraded_and_503(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health_module, "PING_TIMEOUT_S", 0.2)
    plugin = BackendsPlugin()
    extra = '[storage]\nbackend = "stub"\n\n[search]\nbackend = "slow"\n'
    async with make_app(extra_plugins=[("backends", plugin)], extra_config=extra) as running:
        # An optional slot that does not answer: degraded, still 200.
        response = await running.client.get("/api/v1/health")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "degraded"
        assert body["slots"]["search"]["backend"] == "slow"
        assert body["slots"]["search"]["ok"] is False
        assert "0.2 s" in body["slots"]["search"]["error"]
        assert body["slots"]["storage"] == {"backend": "stub", "ok": True, "error": None}
        # A required slot failing: 503 and the reason.
        plugin.storage.broken = True
        response = await running.client.get("/api/v1/health")
        assert response.status_code == 503
        storage = response.json()["slots"]["storage"]
        assert storage["ok"] is False and "the disk went away" in storage["error"]


async def test_metrics_in_prometheus_format(client: Any, auth_headers: dict[str, str]) -> None:
    await client.get("/api/v1/tracks", headers=auth_headers)
    response = await client.get("/metrics", headers=auth_headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE segue_requests_total counter" in text
    assert 'path="/api/v1/tracks"' in text


async def test_openapi_document_lists_the_api(client: Any) -> None:
    response = await client.get("/api/docs/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Segue"
    assert document["info"]["version"] == segue.__version__
    paths = document["paths"]
    for path in (
        "/api/v1/health",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/api-keys",
        "/api/v1/artists",
        "/api/v1/artists/{artist_id}",
        "/api/v1/albums/{album_id}/tracks",
        "/api/v1/tracks",
        "/api/v1/tracks/{track_id}",
        "/api/v1/genres",
        "/api/v1/admin/users",
        "/api/v1/admin/plugins",
    ):
        assert path in paths, path
    tracks = paths["/api/v1/tracks"]["get"]
    assert tracks["operationId"] == "listTracks"
    params = {p["name"]: p for p in tracks["parameters"]}
    assert {"offset", "limit", "sort", "order", "genre", "year"} <= set(params)
    assert params["limit"]["schema"]["maximum"] == 500
    assert params["limit"]["description"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"]["scheme"] == "bearer"
    assert paths["/api/v1/health"]["get"]["security"] == [{}]


async def test_unknown_route_is_a_problem(client: Any, auth_headers: dict[str, str]) -> None:
    response = await client.get("/api/v1/nothing-here", headers=auth_headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    wrong_method = await client.delete("/api/v1/genres", headers=auth_headers)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == 405


async def test_unexpected_error_is_a_generic_500(
    make_app: Any, login: Any, admin_credentials: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    async with make_app(extra_plugins=[("failing", FailingRoutePlugin())]) as running:
        headers = {"Authorization": f"Bearer {await login(running.client, *admin_credentials)}"}
        response = await running.client.get("/api/v1/test/boom", headers=headers)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body == {
        "status": 500,
        "type": "about:blank",
        "title": "Internal Server Error",
        "detail": "internal server error: the details are in the server log",
        "instance": "/api/v1/test/boom",
    }
    assert SECRET not in response.text and "Traceback" not in response.text
    # The traceback went to the log instead.
    logged = capsys.readouterr()
    assert SECRET in logged.out + logged.err
    assert "Traceback" in logged.out + logged.err
