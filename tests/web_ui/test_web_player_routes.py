"""The web player plugin serves the app at / over real HTTP, publicly, without shadowing the API.

These tests use Litestar's synchronous ``TestClient`` (the app runs in its own
thread and event loop), so they pass wherever they run in the suite, also
after the browser tests, whose Playwright driver keeps an event loop running
in the main thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from segue.app import create_app
from segue.runtime import load

# `import ... from './x.js'` and `import('./x.js')` in the app's modules.
IMPORT = re.compile(r"""(?:from\s+|import\s*\(\s*)['"](\./[^'"]+|\.\./[^'"]+)['"]""")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient[Litestar]]:
    """A real Segue app (every installed plugin, the web player included) on an empty library."""
    home = tmp_path_factory.mktemp("web-ui")
    library = home / "library"
    library.mkdir()
    config = home / "segue.toml"
    config.write_text(config_text(home / "data", library), encoding="utf-8")
    _raw, _plugins, context = load(config, role="server")
    with TestClient(app=create_app(context)) as test_client:
        yield test_client


def config_text(data_dir: Path, library: Path) -> str:
    return (
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n\n'
        "[events]\nrun_consumers_in_server = false\n"
    )


def test_index_is_served_without_login(client: TestClient[Litestar]) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert '<script type="module" src="/web/js/app.js">' in response.text


def test_js_module_has_a_javascript_content_type(client: TestClient[Litestar]) -> None:
    response = client.get("/web/js/app.js")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert "etag" in response.headers
    again = client.get("/web/js/app.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_every_imported_module_is_served(client: TestClient[Litestar]) -> None:
    """Follow the ES module graph from app.js: a missing or misnamed import fails here."""
    seen: set[str] = set()
    pending = ["/web/js/app.js"]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, f"{path} is imported but answers {response.status_code}"
        base = path.rsplit("/", 1)[0]
        for target in IMPORT.findall(response.text):
            parts = base.split("/")
            for piece in target.split("/"):
                if piece == "..":
                    parts.pop()
                elif piece != ".":
                    parts.append(piece)
            pending.append("/".join(parts))
    # The router loads views by name: every view module is reached through it.
    assert {"/web/js/player.js", "/web/js/ws.js", "/web/js/router.js"} <= seen
    for view in ("home", "albums", "artists", "playlists", "admin"):
        assert (client.get(f"/web/js/views/{view}.js")).status_code == 200


def test_stylesheet_and_service_worker(client: TestClient[Litestar]) -> None:
    css = client.get("/web/css/app.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"


def test_unknown_asset_is_a_404_problem(client: TestClient[Litestar]) -> None:
    response = client.get("/web/js/no-such-module.js")
    assert response.status_code == 404
    assert "no web player file at /web/js/no-such-module.js" in response.json()["detail"]
    # Nothing outside the static folder is reachable, however the path is spelled.
    for sneaky in (
        "/web/%2e%2e/plugin.py",
        "/web/..%2Fplugin.py",
        "/web/js/%2e%2e/%2e%2e/plugin.py",
    ):
        escaped = client.get(sneaky)
        assert escaped.status_code == 404, sneaky
        assert "segue.hookimpl" not in escaped.text


def test_api_stays_authenticated(client: TestClient[Litestar]) -> None:
    """The public web routes must not open or shadow /api/...."""
    response = client.get("/api/v1/tracks")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_web_routes_stay_out_of_the_openapi_document(
    client: TestClient[Litestar],
) -> None:
    document = (client.get("/api/docs/openapi.json")).json()
    assert "/api/v1/tracks" in document["paths"]
    assert not any(path == "/" or path.startswith("/web") for path in document["paths"])
