"""Stopping the real servers the suites start (importable: tests/ is on sys.path)."""

from __future__ import annotations

import subprocess
from typing import Any


def stop_process(process: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    """Ask the process to stop (SIGTERM), kill it after ``timeout`` seconds, and reap it.

    ``communicate`` drains its pipes, so a process writing to a full pipe cannot
    hang the stop.
    """
    if process.poll() is None:
        process.terminate()
    try:
        process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate(timeout=10)
