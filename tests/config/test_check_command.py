"""`segue config check FILE`: exit codes and messages an admin can act on, never a traceback."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

Runner = Callable[..., subprocess.CompletedProcess[str]]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "segue.toml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert "unexpected error" not in result.stderr


def test_good_file_passes(segue_cli: Runner, tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = 9000\n[library]\npaths = ["music"]\n')

    result = segue_cli("config", "check", str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{path}: OK\n"
    assert result.stderr == ""


def test_misspelled_key_fails_with_the_key_path_and_a_suggestion(
    segue_cli: Runner, tmp_path: Path
) -> None:
    path = write(tmp_path, "[library]\nscan_on_start = false\n")

    result = segue_cli("config", "check", str(path))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("segue: configuration problems:\n")
    assert (
        f"  - {path}: unknown key 'library.scan_on_start'. Did you mean 'scan_on_startup'?"
        in result.stderr
    )
    assert_no_traceback(result)


def test_unknown_backend_fails_with_the_installed_choices(
    segue_cli: Runner, tmp_path: Path
) -> None:
    path = write(tmp_path, '[catalog]\nbackend = "sqlit"\n')

    result = segue_cli("config", "check", str(path))

    assert result.returncode == 2
    assert (
        f"{path}: key 'catalog.backend' = 'sqlit' is not an installed catalog backend. "
        "Did you mean 'sqlite'?" in result.stderr
    )
    assert "Allowed: " in result.stderr
    assert_no_traceback(result)


def test_bad_value_from_the_environment_names_the_variable(
    segue_cli: Runner, tmp_path: Path
) -> None:
    path = write(tmp_path, "[server]\nport = 9000\n")

    result = segue_cli("config", "check", str(path), SEGUE_SERVER__PORT="high")

    assert result.returncode == 2
    assert "environment variable SEGUE_SERVER__PORT: key 'server.port' = 'high'" in result.stderr
    assert_no_traceback(result)


def test_invalid_toml_names_the_line(segue_cli: Runner, tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = = 1\n")

    result = segue_cli("config", "check", str(path))

    assert result.returncode == 2
    assert f"{path}: not valid TOML:" in result.stderr
    assert "line 2" in result.stderr
    assert_no_traceback(result)


def test_missing_file_is_named(segue_cli: Runner, tmp_path: Path) -> None:
    result = segue_cli("config", "check", "nowhere.toml")

    assert result.returncode == 2
    assert "nowhere.toml: config file not found" in result.stderr
    assert_no_traceback(result)


def test_example_config_passes(segue_cli: Runner) -> None:
    example = Path(__file__).resolve().parents[2] / "config" / "segue.example.toml"

    result = segue_cli("config", "check", str(example))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{example}: OK\n"
    assert result.stderr == ""
