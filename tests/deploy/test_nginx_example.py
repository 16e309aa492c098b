"""docker/nginx.conf: valid for Debian's nginx, and doing its job in front of a real Segue.

The example is copied with only machine-specific lines changed (certificate paths
to a throwaway self-signed pair, ports, upstream addresses, cache/log paths), then
checked with `nginx -t` and run: TLS, failover to a live upstream, Range on
streams, the WebSocket upgrade, and the shared cache of signed renditions.
"""

from __future__ import annotations

import getpass
import re
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from deploy_helpers import DOCKER, RunningSegue, nginx_test
from net_helpers import free_port
from process_helpers import stop_process

EXAMPLE = (DOCKER / "nginx.conf").read_text(encoding="utf-8")


class Proxy(NamedTuple):
    https: str
    http: str


def self_signed_pair(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=music.example.org",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def local_copy(directory: Path, *, upstreams: list[int], http_port: int, https_port: int) -> Path:
    """The example with only this machine's specifics changed; fails if a pattern is gone."""
    cert, key = self_signed_pair(directory)
    text = EXAMPLE
    replacements = [
        # Workers run as the test's user, who owns the cache dir (ignored unless root).
        (r"^user www-data;", f"user {getpass.getuser()};"),
        (r"/run/nginx\.pid", f"{directory}/nginx.pid"),
        (r"/var/log/nginx/", f"{directory}/"),
        (r"/var/cache/nginx/segue", f"{directory}/cache"),
        (r"ssl_certificate /\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key /\S+;", f"ssl_certificate_key {key};"),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen \[::\]:80;\n", ""),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"listen \[::\]:443 ssl http2;\n", ""),
        (
            r"(upstream segue \{\n)(?:\s*server [^\n]*\n)+",
            "\\1" + "".join(f"        server 127.0.0.1:{p};\n" for p in upstreams),
        ),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count >= 1, f"docker/nginx.conf no longer has {pattern!r}"
    config = directory / "nginx.conf"
    config.write_text(text, encoding="utf-8")
    return config


def location(name: str) -> str:
    """The body of one ``location`` block of the example."""
    match = re.search(rf"location {re.escape(name)} \{{(.*?)\n        \}}", EXAMPLE, re.S)
    assert match, f"no location {name}"
    return match.group(1)


def test_example_passes_nginx_t(tmp_path: Path) -> None:
    config = local_copy(
        tmp_path, upstreams=[8090, 8091], http_port=free_port(), https_port=free_port()
    )

    result = nginx_test(config)

    assert result.returncode == 0, result.stderr


def test_a_broken_copy_fails_nginx_t(tmp_path: Path) -> None:
    config = local_copy(tmp_path, upstreams=[8090], http_port=free_port(), https_port=free_port())
    config.write_text(config.read_text().replace("proxy_cache_lock on;", "proxy_cache_lock maybe;"))

    assert nginx_test(config).returncode != 0


def test_example_has_several_upstreams_tls_and_http2() -> None:
    upstream = re.search(r"upstream segue \{(.*?)\}", EXAMPLE, re.S)
    assert upstream and len(re.findall(r"^\s*server ", upstream.group(1), re.M)) >= 2
    assert "listen 443 ssl http2;" in EXAMPLE
    assert "return 301 https://" in EXAMPLE


def test_streams_are_unbuffered_with_long_timeouts_and_pass_range() -> None:
    streams = location("~ ^/(api/v1/tracks/[^/]+/stream|rest/)")
    assert "proxy_buffering off;" in streams
    assert "proxy_read_timeout 1h;" in streams
    assert "proxy_set_header Range $http_range;" in streams
    assert re.search(r"^/(api/v1/tracks/[^/]+/stream|rest/)", "/api/v1/tracks/tr123/stream")


def test_websocket_location_upgrades_and_stays_open() -> None:
    ws = location("= /api/v1/ws")
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws
    assert "proxy_read_timeout 1h;" in ws


# --- running it -------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory, running_segue: RunningSegue) -> Iterator[Proxy]:
    """nginx with the example config before the running Segue, plus an upstream that is down."""
    directory = tmp_path_factory.mktemp("nginx")
    http_port, https_port = free_port(), free_port()
    config = local_copy(
        directory,
        upstreams=[free_port(), running_segue.port],
        http_port=http_port,
        https_port=https_port,
    )
    process = subprocess.Popen(
        [
            "/usr/sbin/nginx",
            "-c",
            str(config),
            "-p",
            f"{directory}/",
            "-e",
            str(directory / "error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.communicate()[1]
                time.sleep(0.1)
        yield Proxy(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}")
    finally:
        stop_process(process, timeout=20)


@pytest.fixture(scope="module")
def token(proxy: Proxy, running_segue: RunningSegue) -> str:
    response = httpx.post(
        f"{proxy.https}/api/v1/auth/login",
        json={"username": "admin", "password": running_segue.admin_password},
        verify=False,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    value: str = response.json()["token"]
    return value


@pytest.mark.slow
def test_http_redirects_to_https(proxy: Proxy) -> None:
    response = httpx.get(f"{proxy.http}/api/v1/health", timeout=10)

    assert response.status_code == 301
    assert response.headers["location"].startswith("https://")


@pytest.mark.slow
def test_health_through_tls_even_with_one_upstream_down(proxy: Proxy) -> None:
    for _ in range(4):  # round robin meets the dead upstream; nginx moves on to the live one
        response = httpx.get(f"{proxy.https}/api/v1/health", verify=False, timeout=30)
        assert response.status_code == 200
        assert response.json()["status"] in {"ok", "degraded"}


def first_track(proxy: Proxy, token: str) -> str:
    response = httpx.get(
        f"{proxy.https}/api/v1/tracks",
        params={"limit": 1},
        headers={"authorization": f"Bearer {token}"},
        verify=False,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    track_id: str = response.json()["items"][0]["id"]
    return track_id


@pytest.mark.slow
def test_a_stream_range_passes_through(proxy: Proxy, token: str) -> None:
    track = first_track(proxy, token)

    response = httpx.get(
        f"{proxy.https}/api/v1/tracks/{track}/stream",
        headers={"authorization": f"Bearer {token}", "range": "bytes=10-109"},
        verify=False,
        timeout=30,
    )

    assert response.status_code == 206
    assert response.headers["content-range"].startswith("bytes 10-109/")
    assert len(response.content) == 100


@pytest.mark.slow
def test_websocket_upgrade_passes_through(proxy: Proxy, token: str) -> None:
    port = int(proxy.https.rsplit(":", 1)[1])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
        context.wrap_socket(raw) as tls,
    ):
        tls.sendall(
            (
                f"GET /api/v1/ws?token={token} HTTP/1.1\r\nHost: music.example.org\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        status_line = tls.recv(4096).split(b"\r\n", 1)[0]

    assert status_line == b"HTTP/1.1 101 Switching Protocols"


@pytest.mark.slow
def test_signed_renditions_are_served_from_the_cache_the_second_time(
    proxy: Proxy, token: str
) -> None:
    track = first_track(proxy, token)
    signed = httpx.get(
        f"{proxy.https}/api/v1/tracks/{track}/signed-stream",
        params={"format": "ogg", "quality": "low"},
        headers={"authorization": f"Bearer {token}"},
        verify=False,
        timeout=30,
    )
    assert signed.status_code == 200, signed.text
    url = proxy.https + signed.json()["url"]

    first = httpx.get(url, verify=False, timeout=120)
    second = httpx.get(url, verify=False, timeout=30, headers={"range": "bytes=0-99"})

    assert first.status_code == 200, first.text
    assert first.headers["x-cache-status"] == "MISS"
    assert second.status_code == 206
    assert second.headers["x-cache-status"] == "HIT"
    assert second.content == first.content[:100]
