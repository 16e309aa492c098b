"""A real MongoDB-wire server for tests: FerretDB over SQLite, built by tests/ferretdb/build.sh.

``make install`` builds it once into ``~/.cache/segue/ferretdb/``; if it is missing
the first test run builds it (Go and the Go module proxy are needed).
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from process_helpers import stop_process

BUILD_SCRIPT = Path(__file__).resolve().parent / "ferretdb" / "build.sh"
START_TIMEOUT_S = 30.0


def ferretdb_binary() -> Path:
    """The cached FerretDB test server (built on first use)."""
    built = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], check=False, capture_output=True, text=True, timeout=1800
    )
    if built.returncode != 0:
        raise RuntimeError(f"building FerretDB failed:\n{built.stderr}")
    return Path(built.stdout.strip().splitlines()[-1])


@contextmanager
def running_ferretdb(sqlite_dir: Path) -> Iterator[str]:
    """Start FerretDB on a free loopback port; yield its ``mongodb://`` URL; stop it."""
    log_path = sqlite_dir.parent / "ferretdb.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(ferretdb_binary()), "-listen", "127.0.0.1:0", "-sqlite-dir", str(sqlite_dir)],
            stdout=subprocess.PIPE,
            stderr=log,
        )
        try:
            yield _wait_ready(process, log_path)
        finally:
            stop_process(process, timeout=10)


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """The URL from the server's ``READY mongodb://...`` line."""
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + START_TIMEOUT_S
    buffer = b""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        selector.select(timeout=0.1)
        buffer += process.stdout.read() or b""
        for line in buffer.decode(errors="replace").splitlines():
            if line.startswith("READY "):
                return line.split(" ", 1)[1].strip()
    raise RuntimeError(f"FerretDB did not start; its log: {log_path.read_text(errors='replace')}")
