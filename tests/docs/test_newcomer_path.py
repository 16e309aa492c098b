"""The newcomer's path stays true: the commands the docs name exist, CI runs `make test`."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import click

from segue.cli.main import build_cli

REPO = Path(__file__).resolve().parents[2]


def test_every_segue_command_is_in_cli_md_and_nothing_else() -> None:
    group = build_cli([])
    ctx = click.Context(group)
    documented = set(
        re.findall(r"^## segue (\w+(?: \w+)?)\s*$", (REPO / "docs" / "cli.md").read_text(), re.M)
    )
    commands: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            commands |= {f"{name} {sub}" for sub in command.list_commands(ctx)}
            if name in documented:  # documented as a whole ("## segue user")
                commands -= {f"{name} {sub}" for sub in command.list_commands(ctx)}
                commands.add(name)
        else:
            commands.add(name)

    assert sorted(commands - documented) == [], "commands missing from docs/cli.md"
    assert sorted(documented - commands) == [], "docs/cli.md documents commands that do not exist"


def test_ci_runs_make_test_from_the_repository_root() -> None:
    script = REPO / ".ci" / "run"
    text = script.read_text()

    assert os.access(script, os.X_OK)
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert text.rstrip().endswith("make test")


def test_make_run_serves_the_demo_library_without_a_config() -> None:
    # -n prints the recipes without running them; install's recipe is printed too.
    result = subprocess.run(
        ["make", "-n", "run", "PORT=9999"], cwd=REPO, capture_output=True, text=True, check=True
    )

    assert "$BIN/segue demo --dir demo-library" in result.stdout.replace(".venv/bin", "$BIN")
    assert 'args="$args --library demo-library"' in result.stdout
    assert 'args="$args --data-dir data"' in result.stdout
    assert "exec .venv/bin/segue serve $args" in result.stdout


def test_readme_documents_every_make_target() -> None:
    makefile = (REPO / "Makefile").read_text()
    readme = (REPO / "README.md").read_text()
    (phony,) = re.findall(r"^\.PHONY: (.+)$", makefile, re.M)

    for target in phony.split():
        if target != "help":
            assert re.search(rf"^{target}:", makefile, re.M), target
            assert f"make {target}" in readme, f"README.md does not mention `make {target}`"
