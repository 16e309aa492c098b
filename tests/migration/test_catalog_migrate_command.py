"""`segue catalog migrate`: clear errors for wrong arguments (no servers needed)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from segue.cli.main import build_cli


def invoke(config: Path, *args: str) -> tuple[int, str]:
    argv = ["catalog", "migrate", *args, "--config", str(config)]
    result = CliRunner().invoke(build_cli(argv), argv)
    return result.exit_code, result.output


def test_unknown_target_backend_is_named(tmp_path: Path) -> None:
    config = tmp_path / "segue.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    code, output = invoke(config, "--to", "postgres")
    assert code == 1
    assert "no catalog backend named 'postgres'" in output
    assert "mongodb" in output and "sqlite" in output and "Traceback" not in output


def test_same_source_and_target_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "segue.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    code, output = invoke(config, "--to", "sqlite")
    assert code == 1
    assert "--from and --to are both 'sqlite'" in output
