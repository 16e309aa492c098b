"""docker/segue.service and docker/segue-worker.service: valid units that start real Segue commands."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from deploy_helpers import DOCKER

from segue.cli.main import build_cli
from segue.runtime import load

UNITS = {"segue.service": "serve", "segue-worker.service": "worker"}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "read-only",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
}


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections -> (key, value) in order; keys may repeat, as systemd allows."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            current = sections.setdefault(stripped[1:-1], [])
            continue
        key, equals, value = stripped.partition("=")
        assert equals and current is not None, (
            f"line {number} is not key=value in a section: {line}"
        )
        current.append((key.strip(), value.strip()))
    return sections


def unit(name: str) -> dict[str, list[tuple[str, str]]]:
    return parse_unit((DOCKER / name).read_text(encoding="utf-8"))


def one(section: list[tuple[str, str]], key: str) -> str:
    values = [v for k, v in section if k == key]
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def environment(section: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for key, value in section:
        if key == "Environment":
            for assignment in shlex.split(value):
                name, _, setting = assignment.partition("=")
                env[name] = setting
    return env


@pytest.mark.parametrize(("name", "command"), UNITS.items())
def test_unit_runs_a_real_segue_command(name: str, command: str) -> None:
    service = unit(name)["Service"]
    argv = shlex.split(one(service, "ExecStart"))
    cli = build_cli([])

    assert Path(argv[0]).name == "segue" and Path(argv[0]).is_absolute()
    assert argv[1] == command and isinstance(cli, click.Group)
    cli.commands[command].make_context(command, argv[2:])  # its options exist


@pytest.mark.parametrize("name", UNITS)
def test_unit_runs_unprivileged_restarts_and_is_hardened(name: str) -> None:
    sections = unit(name)
    service = sections["Service"]

    assert one(service, "User") == "segue"
    assert one(service, "Restart") == "on-failure"
    for key, value in HARDENING.items():
        assert one(service, key) == value, key
    assert one(sections["Install"], "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", UNITS)
def test_data_dir_is_the_state_directory_systemd_makes_writable(name: str) -> None:
    service = unit(name)["Service"]
    env = environment(service)
    _raw, _plugins, context = load(None, environ=env)

    assert context.config.server.data_dir == f"/var/lib/{one(service, 'StateDirectory')}"
    assert all(k.startswith("SEGUE_") for k in env)


def test_worker_starts_after_the_server() -> None:
    after = one(unit("segue-worker.service")["Unit"], "After").split()

    assert "segue.service" in after


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
@pytest.mark.parametrize("name", UNITS)
def test_systemd_analyze_verify_finds_nothing(name: str, tmp_path: Path) -> None:
    segue = Path(sys.executable).with_name("segue")
    text = (
        (DOCKER / name)
        .read_text(encoding="utf-8")
        .replace("/opt/segue/.venv/bin/segue", str(segue))
    )
    copy = tmp_path / name
    copy.write_text(text, encoding="utf-8")
    # segue-worker.service orders itself after segue.service: verify needs it beside it.
    if name != "segue.service":
        (tmp_path / "segue.service").write_text(
            (DOCKER / "segue.service").read_text().replace("/opt/segue/.venv/bin/segue", str(segue))
        )

    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
