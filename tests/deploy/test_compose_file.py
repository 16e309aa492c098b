"""docker/compose.yaml, checked statically: services, health checks, volumes, and Segue's env keys.

Every SEGUE_* variable goes through Segue's own config loader with the installed
plugins, so a misspelled key, an unknown backend or a bad value fails here as it
would when the container starts.
"""

from __future__ import annotations

import subprocess
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
from deploy_helpers import DOCKER, interpolated_names, load_compose, nginx_test

from segue.cli.main import build_cli
from segue.errors import ConfigError
from segue.runtime import load

# What an admin puts in docker/.env (the compose file refuses to start without the required ones).
ENV_FILE = {
    "SEGUE_ADMIN_PASSWORD": "a-long-admin-password",
    "MEILI_MASTER_KEY": "a-master-key-of-16-bytes-or-more",
}
COMPOSE = load_compose(ENV_FILE)
SERVICES: dict[str, Any] = COMPOSE["services"]
SEGUE_SERVICES = [
    name for name, s in SERVICES.items() if str(s.get("image", "")).startswith("segue:")
]


def segue_env(service: str) -> dict[str, str]:
    environment = SERVICES[service]["environment"]
    assert isinstance(environment, dict), f"{service}: environment must be a mapping"
    return {k: str(v) for k, v in environment.items()}


def mount_targets(service: str) -> list[str]:
    targets = []
    for volume in SERVICES[service].get("volumes", []):
        parts = (
            volume.split(":") if isinstance(volume, str) else [volume["source"], volume["target"]]
        )
        targets.append(parts[1])
    return targets


def test_compose_runs_segue_a_worker_and_the_engines() -> None:
    assert {"segue", "worker", "valkey", "mongodb", "meilisearch", "typesense"} <= set(SERVICES)
    assert sorted(SEGUE_SERVICES) == ["segue", "worker"]
    assert SERVICES["segue"]["command"] == ["segue", "serve"]
    assert SERVICES["worker"]["command"] == ["segue", "worker"]
    assert SERVICES["segue"]["deploy"]["replicas"] >= 2


def test_required_secrets_must_be_set() -> None:
    with pytest.raises(KeyError, match="SEGUE_ADMIN_PASSWORD"):
        load_compose({})


def test_env_example_names_every_variable_the_compose_file_reads() -> None:
    names = interpolated_names((DOCKER / "compose.yaml").read_text())
    example = {
        line.split("=", 1)[0]
        for line in (DOCKER / "env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }

    assert names == example


@pytest.mark.parametrize("service", ["segue", "worker"])
def test_segue_environment_is_valid_config_with_the_installed_plugins(service: str) -> None:
    env = segue_env(service)
    assert all(key.startswith("SEGUE_") for key in env)

    _raw, plugins, context = load(None, environ=env)

    assert plugins.problems == []
    config = context.config
    assert config.catalog.backend == "mongodb"
    assert config.playlists.backend == "mongodb"
    assert config.events.backend == "valkey"
    assert config.presence.backend == "valkey"
    assert config.search.backend == "meilisearch"
    # Jobs run once, in the worker, not in every replica.
    assert config.events.run_consumers_in_server is False
    assert config.library.scan_on_startup is False


def test_typesense_is_one_variable_away() -> None:
    env = {
        k: str(v)
        for k, v in load_compose({**ENV_FILE, "SEGUE_SEARCH_BACKEND": "typesense"})["services"][
            "segue"
        ]["environment"].items()
    }

    _raw, _plugins, context = load(None, environ=env)

    assert context.config.search.backend == "typesense"
    assert "typesense" in SERVICES["typesense"].get("profiles", [])


def test_a_misspelled_key_would_be_refused() -> None:
    env = {**segue_env("segue"), "SEGUE_PLUGINS__EVENTS_VALKEY__URI": "valkey://valkey:6379/0"}

    with pytest.raises(ConfigError, match=r"plugins\.events-valkey\.uri"):
        load(None, environ=env)


@pytest.mark.parametrize("service", ["segue", "worker"])
def test_every_engine_url_names_a_service_of_the_file(service: str) -> None:
    urls = {k: v for k, v in segue_env(service).items() if k.endswith("__URL")}

    assert len(urls) >= 5
    for key, url in urls.items():
        host = urlsplit(url).hostname
        assert host in SERVICES, f"{service}: {key}={url} names no service"
        port = urlsplit(url).port
        assert port is not None


@pytest.mark.parametrize("service", ["segue", "worker"])
def test_volumes_cover_the_data_dir_and_the_library(service: str) -> None:
    _raw, _plugins, context = load(None, environ=segue_env(service))
    targets = mount_targets(service)

    def covered(path: str) -> bool:
        return any(PurePosixPath(path).is_relative_to(t) for t in targets)

    assert covered(context.config.server.data_dir)
    assert context.config.library.paths and all(covered(p) for p in context.config.library.paths)
    # Replicas share one data dir (the transcoder's renditions and URL-signing key).
    assert "segue-data:/data" in SERVICES["segue"]["volumes"]
    assert "segue-data:/data" in SERVICES["worker"]["volumes"]


def test_named_volumes_and_configs_are_declared() -> None:
    declared = set(COMPOSE.get("volumes", {}))
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} is not declared"
        for config in service.get("configs", []):
            assert config["source"] in COMPOSE["configs"], name


def test_depends_on_names_services_that_exist_and_are_healthy_first() -> None:
    for name, service in SERVICES.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            assert condition == {"condition": "service_healthy"}, (name, dependency)
            assert "disable" not in SERVICES[dependency]["healthcheck"], dependency


def test_every_service_has_a_health_check_or_says_why_not() -> None:
    for name, service in SERVICES.items():
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        if check.get("disable"):
            assert name == "worker" and service["restart"] == "unless-stopped"
        else:
            assert check["test"][0] in {"CMD", "CMD-SHELL"}
            assert "interval" in check and "retries" in check


def test_segue_health_checks_use_the_health_endpoint_on_the_configured_port() -> None:
    check = " ".join(SERVICES["segue"]["healthcheck"]["test"])
    port = segue_env("segue")["SEGUE_SERVER__PORT"]

    assert f"127.0.0.1:{port}/api/v1/health" in check
    assert SERVICES["segue"]["expose"] == [port]


def test_segue_commands_exist() -> None:
    cli = build_cli([])
    for name in SEGUE_SERVICES:
        command = SERVICES[name]["command"]
        assert command[0] == "segue" and command[1] in cli.commands


def test_the_proxy_config_is_valid_nginx(tmp_path: Any) -> None:
    content = COMPOSE["configs"]["nginx-proxy"]["content"]
    # Outside Docker, the service name does not resolve: point it at this machine.
    body = content.replace("server segue:8090;", "server 127.0.0.1:8090;").replace(
        "listen 80;", "listen 127.0.0.1:8080;"
    )
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n{body}\n}}\n", encoding="utf-8"
    )

    result = nginx_test(config)

    assert result.returncode == 0, result.stderr
    assert "$http_upgrade" in content and "proxy_buffering off" in content


def test_the_secrets_file_is_never_committed() -> None:
    result = subprocess.run(
        ["git", "check-ignore", "-q", "docker/.env"], cwd=DOCKER.parent, check=False
    )

    assert result.returncode == 0, "docker/.env (passwords, keys) must be git-ignored"
    example = dict(
        line.split("=", 1)
        for line in (DOCKER / "env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    # The template leaves every secret empty.
    assert example["SEGUE_ADMIN_PASSWORD"] == example["MEILI_MASTER_KEY"] == ""
