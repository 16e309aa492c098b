"""`segue user ...` and `segue serve`, run as real commands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from click.testing import CliRunner
from net_helpers import free_port

from segue.auth.passwords import verify_password
from segue.cli.main import build_cli
from segue.runtime import open_context

REPO = Path(__file__).resolve().parents[2]
SEGUE = REPO / ".venv" / "bin" / "segue"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config with its own data dir and no background consumers."""
    path = tmp_path / "segue.toml"
    path.write_text(
        f'[server]\ndata_dir = "{tmp_path / "data"}"\n\n'
        '[events]\nbackend = "sqlite"\nrun_consumers_in_server = false\n',
        encoding="utf-8",
    )
    return path


def segue(*args: str, input: str | None = None) -> Any:
    """Run the CLI in-process (click's runner: stdin is a pipe, not a terminal)."""
    return CliRunner().invoke(build_cli(list(args)), list(args), input=input)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGUE_")}
    return {**env, **extra}


async def stored_user(config: Path, name: str) -> tuple[Any, str | None]:
    async with open_context(config) as context:
        user = await context.catalog.get_user_by_name(name)
        hashed = await context.catalog.get_password_hash(user.id) if user else None
    return user, hashed


def test_user_add_reads_the_password_from_stdin(config: Path) -> None:
    result = segue(
        "user", "add", "alice", "--admin", "--config", str(config), input="s3cret-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created administrator 'alice'" in result.output
    user, hashed = anyio.run(stored_user, config, "alice")
    assert user.is_admin is True
    assert hashed is not None and hashed.startswith("scrypt$")
    assert anyio.run(verify_password, "s3cret-pass", hashed)
    assert not anyio.run(verify_password, "s3cret-pas", hashed)

    listed = segue("user", "list", "--config", str(config))
    assert listed.exit_code == 0
    assert "alice\tadmin" in listed.output

    again = segue("user", "add", "ALICE", "--config", str(config), input="another-pass\n")
    assert again.exit_code == 1
    assert "alice" in again.output.lower()
    assert "Traceback" not in again.output


def test_user_add_rejects_short_passwords_and_bad_names(config: Path) -> None:
    short = segue("user", "add", "bob", "--config", str(config), input="short\n")
    assert short.exit_code == 1
    assert "password too short: it needs at least 8 characters, this one has 5" in short.output
    empty = segue("user", "add", "bob", "--config", str(config), input="")
    assert empty.exit_code == 1
    assert "no password given" in empty.output
    spaced = segue("user", "add", "bob smith", "--config", str(config), input="long-enough\n")
    assert spaced.exit_code == 1
    assert "invalid user name 'bob smith'" in spaced.output
    assert anyio.run(stored_user, config, "bob")[0] is None


def test_user_passwd_changes_the_password(config: Path) -> None:
    assert (
        segue("user", "add", "carol", "--config", str(config), input="first-pass\n").exit_code == 0
    )
    result = segue("user", "passwd", "carol", "--config", str(config), input="second-pass\n")
    assert result.exit_code == 0, result.output
    _user, hashed = anyio.run(stored_user, config, "carol")
    assert hashed is not None
    assert anyio.run(verify_password, "second-pass", hashed)
    assert not anyio.run(verify_password, "first-pass", hashed)
    unknown = segue("user", "passwd", "dave", "--config", str(config), input="whatever-pass\n")
    assert unknown.exit_code == 1
    assert "no user named 'dave'" in unknown.output


def test_user_add_as_a_real_process(config: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SEGUE), "user", "add", "erin", "--config", str(config)],
        input="piped-password\n",
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Created user 'erin'" in done.stdout
    user, hashed = anyio.run(stored_user, config, "erin")
    assert user is not None and user.is_admin is False
    assert anyio.run(verify_password, "piped-password", hashed)


def test_serve_answers_and_stops_on_sigterm(tmp_path: Path, demo_library: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            str(SEGUE),
            "serve",
            "--data-dir",
            str(tmp_path / "data"),
            "--library",
            str(demo_library),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(SEGUE_LIBRARY__SCAN_ON_STARTUP="false", SEGUE_LOGGING__FORMAT="json"),
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Segue is serving at"):
                break
        assert lines and lines[-1].strip() == f"Segue is serving at http://127.0.0.1:{port}/", (
            lines,
            process.stderr.read() if process.poll() is not None and process.stderr else "",
        )
        # First run: the generated admin password was printed before.
        assert any(line.startswith("Created admin user 'admin' with password: ") for line in lines)
        response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        process.send_signal(signal.SIGTERM)
        _stdout, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
        # [logging] format = "json": every log line on stderr is one JSON object.
        records = [json.loads(line) for line in stderr.splitlines() if line.strip()]
        events = [r["event"] for r in records]
        assert "created admin user with a generated password (printed once)" in events
        assert all("level" in r and "timestamp" in r for r in records)
        assert not any("with password" in line for line in stderr.splitlines())
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
