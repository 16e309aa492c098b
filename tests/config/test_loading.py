"""Reading segue.toml and SEGUE_* variables into typed config, and the errors admins see."""

from __future__ import annotations

from pathlib import Path

import pytest

from segue.config.loader import load_config, read_raw_config, resolve_path
from segue.config.schema import SegueConfig
from segue.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "segue.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path | None, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(read_raw_config(path, environ={} if environ is None else environ))
    return caught.value.problems


def test_toml_file_is_loaded_into_typed_sections(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[server]
host = "0.0.0.0"
port = 9001
data_dir = "state"
[library]
paths = ["music", "/srv/more-music"]
scan_workers = 2
[auth]
token_ttl_days = 7
[logging]
level = "debug"
format = "json"
[search]
backend = "none"
[events]
run_consumers_in_server = false
""",
    )

    config = load_config(read_raw_config(path, environ={}))

    assert (config.server.host, config.server.port) == ("0.0.0.0", 9001)
    assert config.library.paths == ["music", "/srv/more-music"]
    assert config.library.scan_workers == 2
    assert config.auth.token_ttl_days == 7.0
    assert (config.logging.level, config.logging.format) == ("debug", "json")
    assert config.events.run_consumers_in_server is False
    assert config.events.backend == "sqlite"  # untouched keys keep their defaults
    assert config.source == str(path)
    # Relative paths are resolved against the file's directory, not the current one.
    assert resolve_path(config, config.server.data_dir) == tmp_path.resolve() / "state"
    assert resolve_path(config, config.library.paths[1]) == Path("/srv/more-music")


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    config = load_config(read_raw_config(None, environ={}))

    assert config == SegueConfig(source="<defaults>", base_dir=config.base_dir)
    assert config.server.port == 8090
    assert (config.catalog.backend, config.events.backend, config.storage.backend) == (
        "sqlite",
        "sqlite",
        "local",
    )


def test_environment_overrides_the_file_with_typed_values(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 8000\n[library]\nscan_on_startup = true\n")

    raw = read_raw_config(
        path,
        environ={
            "SEGUE_SERVER__PORT": "9000",
            "SEGUE_LIBRARY__SCAN_ON_STARTUP": "false",
            "SEGUE_LIBRARY__PATHS": '["/music"]',
            "SEGUE_SERVER__HOST": "0.0.0.0",  # not TOML: kept as a string
            "SEGUE_CONFIG": "ignored.toml",  # names the file, is not a key
        },
    )
    config = load_config(raw)

    assert config.server.port == 9000
    assert isinstance(config.server.port, int)
    assert config.library.scan_on_startup is False
    assert config.library.paths == ["/music"]
    assert config.server.host == "0.0.0.0"
    assert raw.where("server.port") == "environment variable SEGUE_SERVER__PORT"


def test_plugin_environment_variable_maps_underscores_to_dashes() -> None:
    raw = read_raw_config(None, environ={"SEGUE_PLUGINS__CATALOG_SQLITE__PATH": "/var/lib/x.db"})

    assert raw.data["plugins"] == {"catalog-sqlite": {"path": "/var/lib/x.db"}}
    assert raw.where("plugins.catalog-sqlite.path") == (
        "environment variable SEGUE_PLUGINS__CATALOG_SQLITE__PATH"
    )


def test_environment_value_of_the_wrong_type_names_the_variable() -> None:
    problems = problems_of(None, {"SEGUE_SERVER__PORT": "eighty"})

    assert problems == [
        "environment variable SEGUE_SERVER__PORT: key 'server.port' = 'eighty' is invalid: "
        "expected `int`, got `str`"
    ]


def test_environment_variable_without_a_section_is_explained() -> None:
    with pytest.raises(ConfigError) as caught:
        read_raw_config(None, environ={"SEGUE_PORT": "9000"})

    assert caught.value.problems == [
        "environment variable SEGUE_PORT: expected SEGUE_<SECTION>__<KEY>, "
        "e.g. SEGUE_SERVER__PORT=8090"
    ]


def test_bad_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = 8090\nhost = "127.0.0.1\n')

    with pytest.raises(ConfigError) as caught:
        read_raw_config(path, environ={})

    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}: not valid TOML: ")
    assert "line 3" in problem


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        read_raw_config(tmp_path / "nope.toml", environ={})

    assert caught.value.problems == [f"{tmp_path / 'nope.toml'}: config file not found"]


def test_unknown_key_suggests_the_closest_one(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nprot = 9000\n")

    (problem,) = problems_of(path)

    assert problem == (
        f"{path}: unknown key 'server.prot'. Did you mean 'port'? Keys allowed in [server]: "
        "'data_dir', 'forwarded_allow_ips', 'host', 'port', 'public_url'."
    )


def test_unknown_section_suggests_the_closest_one(tmp_path: Path) -> None:
    path = write(tmp_path, "[libary]\npaths = []\n")

    (problem,) = problems_of(path)

    assert problem.startswith(f"{path}: unknown key 'libary'. Did you mean 'library'?")


def test_every_unknown_key_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nprot = 1\n[auth]\nadmin_usr = 'x'\n")

    problems = problems_of(path)

    assert [p.split("'")[1] for p in problems] == ["server.prot", "auth.admin_usr"]


def test_wrong_type_names_the_key_and_the_value_found(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = "8090a"\n')

    assert problems_of(path) == [
        f"{path}: key 'server.port' = '8090a' is invalid: expected `int`, got `str`"
    ]


def test_literal_values_list_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, '[logging]\nlevel = "warn"\n')

    assert problems_of(path) == [
        f"{path}: key 'logging.level' must be one of 'debug', 'error', 'info', 'warning', "
        "not 'warn'. Did you mean 'warning'?"
    ]


def test_plugins_must_be_tables(tmp_path: Path) -> None:
    path = write(tmp_path, 'plugins = { catalog-sqlite = "yes" }\n')

    (problem,) = problems_of(path)

    assert "[plugins] must hold one table per plugin" in problem
