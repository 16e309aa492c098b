"""The web player works from a built wheel: the static files are inside it and served from there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEEDED = (
    "segue_web/plugin.py",
    "segue_web/static/index.html",
    "segue_web/static/css/app.css",
    "segue_web/static/js/app.js",
    "segue_web/static/js/player.js",
    "segue_web/static/js/views/albums.js",
    "segue_web/static/sw.js",
)

# Run in a fresh interpreter whose sys.path starts with the unpacked wheel, so
# `segue_web` is the wheel's copy, not the checkout's.
SERVE_FROM_WHEEL = """
import json
import sys
from litestar import Litestar
from litestar.testing import TestClient
import segue_web.plugin as plugin

static = plugin.static_dir()
assert str(static).startswith(sys.argv[1]), f"segue_web came from {static}, not the wheel"
with TestClient(Litestar(route_handlers=plugin.register_routes(None))) as client:
    index = client.get("/")
    module = client.get("/web/js/app.js")
    print(json.dumps({
        "index": [index.status_code, index.headers["content-type"]],
        "module": [module.status_code, module.headers["content-type"]],
        "has_script": '<script type="module"' in index.text,
    }))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed: it builds the wheel")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [uv, "build", "--wheel", str(ROOT / "web"), "-o", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    (built,) = out.glob("segue_web-*.whl")
    return built


def test_wheel_holds_the_static_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in NEEDED if name not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert not any(
        "TESTIDS" in name or (name.endswith(".py") and "static" in name) for name in names
    )


def test_app_is_served_from_the_unpacked_wheel(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", SERVE_FROM_WHEEL, str(target)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    served = json.loads(result.stdout)
    assert served["index"][0] == served["module"][0] == 200
    assert served["index"][1].startswith("text/html")
    assert served["module"][1].startswith("text/javascript")
    assert served["has_script"] is True
