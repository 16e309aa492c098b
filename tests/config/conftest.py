"""Fixtures for config tests: the real `segue` command line, without the runner's SEGUE_* variables."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

SEGUE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "segue"

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def segue_cli(tmp_path: Path) -> Runner:
    """Run `segue ARGS...` in ``tmp_path``; keyword arguments are extra environment variables."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("SEGUE_")}
        return subprocess.run(
            [str(SEGUE), *args],
            cwd=tmp_path,
            env={**clean, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
