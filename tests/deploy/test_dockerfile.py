"""docker/Dockerfile, read statically (no Docker engine here) and its health check run for real."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import PurePosixPath

import click
import pytest
from deploy_helpers import (
    DOCKER,
    REPO,
    RunningSegue,
    Stage,
    dockerfile_env,
    dockerfile_stages,
    exec_form,
    segue_environment,
)
from net_helpers import free_port

from segue.cli.main import build_cli
from segue.runtime import load

DOCKERFILE = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
STAGES = dockerfile_stages(DOCKERFILE)
RUNTIME = STAGES[-1]


def stage(name: str) -> Stage:
    return next(s for s in STAGES if s.name == name)


def context_sources(build: Stage) -> list[str]:
    """What COPY takes from the build context (the repository root), not from other images."""
    return [
        source
        for args in build.all("COPY")
        if "--from=" not in args
        for source in args.split()[:-1]
        if not source.startswith("--")
    ]


def covered(path: str, volumes: list[str]) -> bool:
    return any(PurePosixPath(path).is_relative_to(volume) for volume in volumes)


def test_two_stages_on_python_311_slim_bookworm() -> None:
    assert [s.name for s in STAGES] == ["build", "runtime"]
    assert {s.image for s in STAGES} == {"python:3.11-slim-bookworm"}


def test_build_stage_installs_the_locked_workspace_without_dev_tools() -> None:
    (sync,) = [run for run in stage("build").all("RUN") if "uv sync" in run]

    for flag in ("--frozen", "--no-dev", "--all-packages", "--no-editable"):
        assert flag in sync.split()
    assert stage("build").all("WORKDIR") == ["/app"]


def test_build_stage_copies_every_workspace_member_and_the_lock() -> None:
    copied = set(context_sources(stage("build")))
    workspace = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    members = {member.split("/")[0] for member in workspace["members"]}

    assert {"pyproject.toml", "uv.lock", "README.md"} <= copied
    assert members <= copied, f"workspace members not copied: {members - copied}"
    for source in context_sources(stage("build")):
        assert (REPO / source).exists(), source
        assert (REPO / source).resolve().is_relative_to(REPO), source


def test_dockerignore_keeps_what_the_build_copies() -> None:
    ignored = [
        line.strip()
        for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for source in context_sources(stage("build")):
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
    assert ".venv" in " ".join(ignored) and ".git" in ignored


def test_runtime_stage_gets_the_venv_from_the_build_stage_only() -> None:
    copies = RUNTIME.all("COPY")

    assert copies == ["--from=build /app/.venv /app/.venv"]
    assert dockerfile_env(RUNTIME)["PATH"].startswith("/app/.venv/bin:")


def test_runtime_installs_ffmpeg_and_fpcalc() -> None:
    installs = " ".join(run for run in RUNTIME.all("RUN") if "apt-get install" in run).split()

    assert "ffmpeg" in installs  # ffmpeg and ffprobe
    assert "libchromaprint-tools" in installs  # fpcalc
    assert "--no-install-recommends" in installs


def test_runtime_runs_as_an_unprivileged_user_after_the_last_root_step() -> None:
    keywords = [i.keyword for i in RUNTIME.instructions]
    users = RUNTIME.all("USER")

    assert users == ["segue"]
    assert users[-1] not in {"root", "0", "0:0"}
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert any("useradd" in run and "segue" in run for run in RUNTIME.all("RUN"))


def test_volumes_cover_the_data_dir_and_the_library() -> None:
    volumes = [v for args in RUNTIME.all("VOLUME") for v in exec_form(args)]
    env = dockerfile_env(RUNTIME)
    _raw, _plugins, context = load(None, environ=env)

    assert covered(context.config.server.data_dir, volumes)
    assert context.config.library.paths
    assert all(covered(path, volumes) for path in context.config.library.paths)


def test_image_environment_is_valid_segue_config() -> None:
    env = {k: v for k, v in dockerfile_env(RUNTIME).items() if k.startswith("SEGUE_")}
    _raw, _plugins, context = load(None, environ=env)

    assert context.config.server.host == "0.0.0.0"
    assert [str(p) for p in RUNTIME.all("EXPOSE")] == [str(context.config.server.port)]
    # The single-container variant: every slot on its embedded default.
    assert context.config.catalog.backend == "sqlite"
    assert context.config.events.backend == "sqlite"


def test_a_misspelled_key_in_the_image_environment_would_be_refused() -> None:
    env = {**dockerfile_env(RUNTIME), "SEGUE_SERVER__DATADIR": "/data"}

    with pytest.raises(Exception, match=r"server\.datadir"):
        load(None, environ=env)


def test_default_command_is_segue_serve() -> None:
    (cmd,) = RUNTIME.all("CMD")
    command = exec_form(cmd)
    cli = build_cli([])

    assert command[:2] == ["segue", "serve"]
    assert isinstance(cli, click.Group) and "serve" in cli.commands
    cli.commands["serve"].make_context("serve", command[2:])  # its options exist


def healthcheck_command() -> list[str]:
    (healthcheck,) = RUNTIME.all("HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    words = exec_form(command)
    assert words[0] == "python" and "/api/v1/health" in " ".join(words)
    return [sys.executable, *words[1:]]


@pytest.mark.slow
def test_healthcheck_passes_against_a_running_segue(running_segue: RunningSegue) -> None:
    env = segue_environment(SEGUE_SERVER__PORT=str(running_segue.port))

    result = subprocess.run(
        healthcheck_command(), env=env, capture_output=True, timeout=30, check=False
    )

    assert result.returncode == 0, result.stderr


def test_healthcheck_fails_when_nothing_answers() -> None:
    env = segue_environment(SEGUE_SERVER__PORT=str(free_port()))

    result = subprocess.run(
        healthcheck_command(), env=env, capture_output=True, timeout=30, check=False
    )

    assert result.returncode != 0
