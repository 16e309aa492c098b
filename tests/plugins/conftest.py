"""Fixtures for plugin tests: real plugin distributions installed outside the shared .venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DISTS = REPO / "tests" / "fixtures" / "plugin_dists"
SEGUE = REPO / ".venv" / "bin" / "segue"


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """segue-hello and segue-broken built as wheels and installed into a directory of their own.

    uv builds each distribution with hatchling and writes its dist-info (with
    the ``segue`` entry point), exactly as for a plugin from PyPI; putting the
    directory on PYTHONPATH makes them installed for one subprocess only.
    """
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [
            uv_command(),
            "pip",
            "install",
            "--quiet",
            "--python",
            sys.executable,
            "--no-deps",
            "--target",
            str(target),
            str(DISTS / "segue-hello"),
            str(DISTS / "segue-broken"),
        ],
        check=True,
        cwd=REPO,
    )
    return target


def uv_command() -> str:
    """uv from PATH, or where `make install` puts it (pip --user)."""
    return shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any SEGUE_* variable of the test runner, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGUE_")}
    env.update(extra)
    return env


Runner = Callable[..., subprocess.CompletedProcess[str]]


def _runner(program: Path, cwd: Path) -> Runner:
    def run(*args: str, site: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        if site is not None:
            env["PYTHONPATH"] = str(site)
        return subprocess.run(
            [str(program), *args],
            cwd=cwd,
            env=clean_env(**env),
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def segue_cli(tmp_path: Path) -> Runner:
    """Run the real `segue` command line in ``tmp_path``; ``site=`` goes on PYTHONPATH."""
    return _runner(SEGUE, tmp_path)


@pytest.fixture
def segue_python(tmp_path: Path) -> Runner:
    """Run the project's Python in ``tmp_path``; ``site=`` goes on PYTHONPATH."""
    return _runner(REPO / ".venv" / "bin" / "python", tmp_path)
