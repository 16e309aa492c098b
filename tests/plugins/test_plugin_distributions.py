"""Third-party plugins installed as real distributions, seen through the real `segue` command.

segue-hello (tests/fixtures/plugin_dists/segue-hello) adds `segue hello` and
GET /api/v1/hello; segue-broken raises when imported. Both are built and
installed into a temporary directory that only the subprocesses see.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SEGUE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "segue"

SegueRunner = Callable[..., subprocess.CompletedProcess[str]]

HELLO_HOOKS = ["register_commands", "register_routes"]
RECORD_KEYS = {
    "name",
    "distribution",
    "version",
    "module",
    "status",
    "reason",
    "hooks",
    "backends",
    "core",
}


def plugins_json(segue_cli: SegueRunner, site: Path, *args: str) -> dict[str, dict[str, object]]:
    result = segue_cli("plugins", "--json", *args, site=site)
    assert result.returncode == 0, result.stderr
    return {record["name"]: record for record in json.loads(result.stdout)}


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "segue.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def all_records(plugin_site: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """`segue plugins --json --all` with both plugins installed (run once: it is slow)."""
    result = subprocess.run(
        [str(SEGUE), "plugins", "--json", "--all"],
        cwd=tmp_path_factory.mktemp("plugins-json"),
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("SEGUE_")},
            "PYTHONPATH": str(plugin_site),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    records: list[Any] = json.loads(result.stdout)
    return records


def by_name(records: list[Any]) -> dict[str, Any]:
    return {record["name"]: record for record in records}


def test_plugins_lists_an_installed_distribution(all_records: list[Any]) -> None:
    hello = by_name(all_records)["segue-hello"]

    assert hello["status"] == "enabled"
    assert hello["distribution"] == "segue-hello"
    assert hello["version"] == "0.3.0"
    assert hello["module"] == "segue_hello.plugin"
    assert hello["hooks"] == HELLO_HOOKS
    assert hello["core"] is False


def test_plugins_lists_a_broken_plugin_as_failed_with_its_reason(all_records: list[Any]) -> None:
    records = by_name(all_records)

    broken = records["segue-broken"]
    assert broken["status"] == "failed"
    assert broken["version"] == "1.0.0"
    reason = str(broken["reason"])
    assert reason.startswith("import failed: RuntimeError:")
    assert "'frobnicator' service" in reason
    # The failure stays its own: the other plugins are loaded.
    assert records["segue-hello"]["status"] == "enabled"
    assert records["catalog-sqlite"]["status"] == "enabled"


def test_plugins_json_shape(all_records: list[Any]) -> None:
    assert isinstance(all_records, list)
    for record in all_records:
        assert set(record) == RECORD_KEYS
        assert record["status"] in {"enabled", "disabled", "failed"}
        assert all(isinstance(hook, str) for hook in record["hooks"])
        assert all(isinstance(backend, str) for backend in record["backends"])
        assert (record["reason"] is None) == (record["status"] != "failed")
    records = by_name(all_records)
    assert records["catalog-sqlite"]["backends"] == ["catalog:sqlite"]
    # --all adds the core's own features, which are plugins too.
    core = [r for r in all_records if r["core"]]
    assert {r["distribution"] for r in core} == {"segue-core"}
    assert "segue.api.health" in {r["name"] for r in core}


def test_plugins_table_shows_name_version_status_and_hooks(
    segue_cli: SegueRunner, plugin_site: Path
) -> None:
    result = segue_cli("plugins", site=plugin_site)
    assert result.returncode == 0, result.stderr
    hello_row = next(line for line in result.stdout.splitlines() if "segue-hello" in line)
    assert "0.3.0" in hello_row
    assert "enabled" in hello_row
    assert "register_commands, register_routes" in hello_row
    assert "failed: import failed" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_hook_register_commands_from_an_installed_plugin(
    segue_cli: SegueRunner, plugin_site: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, '[plugins.segue-hello]\ngreeting = "Bonjour, Segue"\n')

    result = segue_cli("hello", "--config", str(config), site=plugin_site)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Bonjour, Segue\n"


def test_hello_command_reads_the_greeting_from_the_environment(
    segue_cli: SegueRunner, plugin_site: Path
) -> None:
    result = segue_cli("hello", site=plugin_site, SEGUE_PLUGINS__SEGUE_HELLO__GREETING='"from env"')

    assert result.returncode == 0, result.stderr
    assert result.stdout == "from env\n"


def test_disabled_plugin_is_listed_disabled_and_adds_nothing(
    segue_cli: SegueRunner, plugin_site: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, "[plugins.segue-hello]\nenabled = false\n")

    records = plugins_json(segue_cli, plugin_site, "--config", str(config))
    assert records["segue-hello"]["status"] == "disabled"
    assert records["segue-hello"]["hooks"] == []

    result = segue_cli("hello", "--config", str(config), site=plugin_site)
    assert result.returncode != 0
    assert "No such command 'hello'" in result.stderr


def test_disabled_plugin_is_not_imported(
    segue_cli: SegueRunner, plugin_site: Path, tmp_path: Path
) -> None:
    # segue-broken raises on import: "disabled" instead of "failed" proves it was never imported.
    config = write_config(tmp_path, "[plugins.segue-broken]\nenabled = false\n")

    records = plugins_json(segue_cli, plugin_site, "--config", str(config))

    assert records["segue-broken"]["status"] == "disabled"
    assert records["segue-broken"]["reason"] is None


def test_broken_plugin_is_a_warning_for_config_check(
    segue_cli: SegueRunner, plugin_site: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, '[plugins.segue-hello]\ngreeting = "hi"\n')

    result = segue_cli("config", "check", str(config), site=plugin_site)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{config}: OK"
    assert "warning: plugin 'segue-broken' (segue-broken) failed: import failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_names_a_bad_key_of_a_plugin_section(
    segue_cli: SegueRunner, plugin_site: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, '[plugins.segue-hello]\ngreetin = "hi"\n')

    result = segue_cli("config", "check", str(config), site=plugin_site)

    assert result.returncode == 2
    assert "unknown key 'plugins.segue-hello.greetin'. Did you mean 'greeting'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_hook_register_routes_from_an_installed_plugin(
    segue_python: SegueRunner, plugin_site: Path, tmp_path: Path
) -> None:
    # The app is built in a subprocess too, so that the plugin is installed only there.
    config = write_config(
        tmp_path,
        '[library]\nscan_on_startup = false\n[plugins.segue-hello]\ngreeting = "Hello over HTTP"\n',
    )
    script = tmp_path / "get_hello.py"
    script.write_text(GET_HELLO, encoding="utf-8")

    result = segue_python(str(script), str(config), site=plugin_site)

    assert result.returncode == 0, result.stderr
    # Start-up logs come first; the script prints the response last.
    assert result.stdout.splitlines()[-1] == '200 {"greeting":"Hello over HTTP"}'


GET_HELLO = """
import sys, anyio
from litestar.testing import AsyncTestClient
from segue.app import create_app
from segue.runtime import load

async def main() -> None:
    _raw, _plugins, context = load(sys.argv[1], role="server")
    async with AsyncTestClient(create_app(context)) as client:
        response = await client.get("/api/v1/hello")
        print(response.status_code, response.text)

anyio.run(main)
"""
