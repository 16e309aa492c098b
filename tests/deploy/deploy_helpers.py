"""Read the deployment files the way Docker, Compose and nginx would, without those engines."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
SEGUE = Path(sys.executable).with_name("segue")
ADMIN_PASSWORD = "deploy-tests-admin-password"


class RunningSegue(NamedTuple):
    port: int
    admin_password: str


def segue_environment(**settings: str) -> dict[str, str]:
    """This process's environment without SEGUE_* variables, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGUE_")}
    return {**env, **settings}


class Instruction(NamedTuple):
    keyword: str
    args: str


class Stage(NamedTuple):
    image: str
    name: str
    instructions: list[Instruction]

    def all(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Instructions in order: comments dropped, continuation lines joined."""
    instructions: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, args = (pending + stripped).partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    return instructions


def dockerfile_stages(text: str) -> list[Stage]:
    """The build stages, ``ARG`` defaults before the first ``FROM`` substituted in images."""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in dockerfile_instructions(text):
        if instruction.keyword == "ARG" and not stages:
            name, _, default = instruction.args.partition("=")
            args[name] = default
        elif instruction.keyword == "FROM":
            words = instruction.args.split()
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(image, name, []))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def dockerfile_env(stage: Stage) -> dict[str, str]:
    """``ENV a=b c="d"`` instructions of one stage, as the container sees them."""
    env: dict[str, str] = {}
    for args in stage.all("ENV"):
        for word in shlex.split(args):
            name, _, value = word.partition("=")
            env[name] = re.sub(
                r"\$(\w+)|\$\{(\w+)\}", lambda m: env.get(m.group(1) or m.group(2), ""), value
            )
    return env


def exec_form(args: str) -> list[str]:
    """A JSON-array (exec form) CMD/HEALTHCHECK/VOLUME argument."""
    value = yaml.safe_load(args)
    assert isinstance(value, list), f"not in exec form: {args}"
    return [str(v) for v in value]


INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def interpolate(value: Any, environ: Mapping[str, str]) -> Any:
    """Compose's variable interpolation (``${X}``, ``${X:-default}``, ``${X:?error}``, ``$$``)."""
    if isinstance(value, dict):
        return {k: interpolate(v, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, environ) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if name in environ and environ[name] != "":
            return environ[name]
        if kind == "?":
            raise KeyError(f"${{{name}}} is required: {rest}")
        return rest if kind == "-" else ""

    parts = value.split("$$")
    return "$".join(INTERPOLATION.sub(substitute, part) for part in parts)


def interpolated_names(text: str) -> set[str]:
    return {m.group(1) for m in INTERPOLATION.finditer(text.replace("$$", ""))}


def load_compose(environ: Mapping[str, str]) -> dict[str, Any]:
    raw = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    result: dict[str, Any] = interpolate(raw, environ)
    return result


def nginx_test(config: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on a whole config file, with its prefix and error log next to it."""
    return subprocess.run(
        [
            "/usr/sbin/nginx",
            "-t",
            "-c",
            str(config),
            "-p",
            f"{config.parent}/",
            "-e",
            str(config.parent / "error.log"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


def wait_until_serving(process: subprocess.Popen[str], port: int, within: float = 90) -> None:
    """Wait for `segue serve` to print its address; fail with its stderr if it stops first."""
    assert process.stdout is not None
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("Segue is serving at"):
            return
    process.kill()
    _, stderr = process.communicate(timeout=10)
    raise AssertionError(f"segue serve did not start on port {port}:\n{stderr}")
