"""[server] forwarded_allow_ips: behind a proxy, each client is limited on its own address."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from deploy_helpers import ADMIN_PASSWORD, SEGUE, segue_environment, wait_until_serving
from net_helpers import free_port
from process_helpers import stop_process

LIMIT = 3


@contextmanager
def serving(data_dir: Path, **settings: str) -> Iterator[str]:
    port = free_port()
    env = segue_environment(
        SEGUE_SERVER__PORT=str(port),
        SEGUE_SERVER__DATA_DIR=str(data_dir),
        SEGUE_LIBRARY__PATHS="[]",
        SEGUE_AUTH__ADMIN_PASSWORD=ADMIN_PASSWORD,
        SEGUE_AUTH__LOGIN_ATTEMPTS_PER_MINUTE=str(LIMIT),
        SEGUE_EVENTS__RUN_CONSUMERS_IN_SERVER="false",
        SEGUE_SEARCH__BACKEND="none",
        **settings,
    )
    process = subprocess.Popen(
        [str(SEGUE), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_serving(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


def failed_logins_from(url: str, clients: int) -> list[int]:
    """One wrong login from each of ``clients`` addresses, as a proxy on this machine sends them."""
    wrong = {"username": "admin", "password": "wrong-password"}
    with httpx.Client(base_url=url) as http:
        return [
            http.post(
                "/api/v1/auth/login", json=wrong, headers={"X-Forwarded-For": f"203.0.113.{n}"}
            ).status_code
            for n in range(1, clients + 1)
        ]


@pytest.mark.parametrize(
    ("trusted", "limited"),
    [('["127.0.0.1"]', False), ('["192.0.2.99"]', True)],
    ids=["proxy-listed", "proxy-not-listed"],
)
def test_the_client_address_comes_from_listed_proxies_only(
    tmp_path: Path, trusted: str, limited: bool
) -> None:
    with serving(tmp_path / "data", SEGUE_SERVER__FORWARDED_ALLOW_IPS=trusted) as url:
        statuses = failed_logins_from(url, LIMIT + 2)
    if limited:  # every client looks like the proxy: the others are locked out
        assert statuses == [401] * LIMIT + [429, 429]
    else:  # each client has its own count
        assert statuses == [401] * (LIMIT + 2)


def test_a_proxy_list_that_is_not_a_list_is_a_clear_error(tmp_path: Path) -> None:
    env = segue_environment(
        SEGUE_SERVER__DATA_DIR=str(tmp_path / "data"),
        SEGUE_SERVER__FORWARDED_ALLOW_IPS="10.0.0.2",
    )
    result = subprocess.run(
        [str(SEGUE), "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "forwarded_allow_ips" in result.stderr
    assert "Traceback" not in result.stderr
