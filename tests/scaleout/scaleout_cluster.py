"""Real processes for the scale-out test: `segue serve` x2, `segue worker`, nginx in front.

Each process is a child of the test run with its log in the cluster's
folder; ``Cluster`` starts them on free loopback ports and stops them (or
kills one with SIGKILL, as a crash would).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from net_helpers import free_port
from process_helpers import stop_process

SEGUE = Path(sys.executable).parent / "segue"
NGINX = Path(shutil.which("nginx") or "/usr/sbin/nginx")
ADMIN_NAME = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"
"""The admin of the scanned demo data dir (see tests/conftest.py)."""
START_TIMEOUT_S = 60.0
"""Two cores shared with other work: a cold `segue serve` may take a while to import."""


@dataclass
class Child:
    """One child process and its log file."""

    name: str
    args: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.args,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,  # a Ctrl-C of the test run is not also theirs
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything (a crash)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=timeout)

    def check_alive(self) -> None:
        if not self.alive:
            raise RuntimeError(f"{self.name} exited; its log:\n{self.log()[-4000:]}")


def wait_http(child: Child, url: str, timeout: float = START_TIMEOUT_S) -> None:
    """Wait until ``url`` answers 200 (the child must stay alive meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        child.check_alive()
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{child.name} did not answer {url}; its log:\n{child.log()[-4000:]}"
            )
        time.sleep(0.1)


def wait_log(child: Child, text: str, timeout: float = START_TIMEOUT_S) -> None:
    """Wait until ``text`` appears in the child's log."""
    deadline = time.monotonic() + timeout
    while text not in child.log():
        child.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{child.name} never logged {text!r}; its log:\n{child.log()[-4000:]}"
            )
        time.sleep(0.1)


def nginx_config(home: Path, port: int, upstreams: list[int]) -> str:
    """A foreground nginx balancing ``upstreams``: WebSocket upgrades, long read timeouts,
    and a dead upstream skipped at once (the request goes to the next one)."""
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstreams
    )
    temp = {name: home / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    return f"""
daemon off;
worker_processes 1;
pid {home}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream segue {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://segue;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 2s;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    """Two servers (A and B), one worker and nginx, all on one shared config."""

    home: Path
    config_path: Path
    valkey_url: str
    key_prefix: str
    """Every Valkey key of this cluster starts with it."""
    new_music: Path
    """A library folder that starts empty (the demo library is read-only)."""
    port_a: int = field(default_factory=free_port)
    port_b: int = field(default_factory=free_port)
    port_lb: int = field(default_factory=free_port)
    children: dict[str, Child] = field(default_factory=dict)
    started_in_s: float = 0.0
    """Seconds from the first process started to every one answering."""

    @property
    def url_a(self) -> str:
        return f"http://127.0.0.1:{self.port_a}"

    @property
    def url_b(self) -> str:
        return f"http://127.0.0.1:{self.port_b}"

    @property
    def url_lb(self) -> str:
        return f"http://127.0.0.1:{self.port_lb}"

    def _child(self, name: str, args: list[str]) -> Child:
        child = Child(name, args, self.home / f"{name}.log")
        self.children[name] = child
        child.start()
        return child

    def scan_first(self) -> None:
        """`segue scan` before the servers start (a new, empty catalog)."""
        scanned = subprocess.run(
            [str(SEGUE), "scan", "--config", str(self.config_path)],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        if scanned.returncode != 0:
            raise RuntimeError(f"segue scan failed:\n{scanned.stdout}\n{scanned.stderr}")

    def start(self) -> None:
        if not NGINX.exists():
            raise RuntimeError(
                f"nginx is needed as the load balancer and is not at {NGINX}: "
                "install it (Debian: apt-get install nginx-light; `make test-tools`)"
            )
        began = time.monotonic()
        config = str(self.config_path)
        a = self._child(
            "serve-a", [str(SEGUE), "serve", "--config", config, "--port", str(self.port_a)]
        )
        b = self._child(
            "serve-b", [str(SEGUE), "serve", "--config", config, "--port", str(self.port_b)]
        )
        worker = self._child("worker", [str(SEGUE), "worker", "--config", config])
        nginx_home = self.home / "nginx"
        nginx_home.mkdir(parents=True, exist_ok=True)
        conf = nginx_home / "nginx.conf"
        conf.write_text(nginx_config(nginx_home, self.port_lb, [self.port_a, self.port_b]))
        nginx = self._child(
            "nginx", [str(NGINX), "-e", "stderr", "-p", str(nginx_home), "-c", str(conf)]
        )
        wait_http(a, f"{self.url_a}/api/v1/health")
        wait_http(b, f"{self.url_b}/api/v1/health")
        wait_log(worker, "worker started")
        wait_http(nginx, f"{self.url_lb}/api/v1/health")
        self.started_in_s = time.monotonic() - began

    def stop(self) -> None:
        for child in reversed(list(self.children.values())):
            child.stop()

    def logs(self) -> str:
        return "\n".join(
            f"----- {name} -----\n{child.log()[-3000:]}" for name, child in self.children.items()
        )
