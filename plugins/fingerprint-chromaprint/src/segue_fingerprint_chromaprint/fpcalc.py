"""Running fpcalc (Chromaprint's command-line tool) on one file, as a subprocess.

``anyio.run_process`` waits for the process without blocking the event loop;
callers bound how many run at once with a capacity limiter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import anyio
import msgspec
import numpy as np
from numpy.typing import NDArray

from segue.errors import SegueError

DEBIAN_PACKAGE = "libchromaprint-tools"


class FpcalcMissing(SegueError):
    """fpcalc is not installed (or not where the config says)."""


@dataclass(frozen=True)
class RawFingerprint:
    """fpcalc's answer for one file: the raw fingerprint items and the duration."""

    items: NDArray[np.uint32]
    duration: float
    """Seconds of audio in the file, as fpcalc decoded it."""


@dataclass(frozen=True)
class FingerprintFailed:
    """fpcalc could not fingerprint a file; ``reason`` says why, in its own words."""

    reason: str


class _FpcalcJson(msgspec.Struct):
    duration: float
    fingerprint: list[int] | str


async def run_fpcalc(
    path: Path,
    *,
    program: str = "fpcalc",
    max_seconds: int = 120,
    raw: bool = True,
) -> RawFingerprint | FingerprintFailed:
    """Fingerprint ``path``; a file fpcalc cannot read is a :class:`FingerprintFailed`.

    Raises :class:`FpcalcMissing` when the program itself cannot be started.
    """
    command = [program, "-json", "-length", str(max_seconds)]
    if raw:
        command.append("-raw")
    command.append(os.fspath(path))
    try:
        done = await anyio.run_process(command, check=False)
    except FileNotFoundError:
        raise FpcalcMissing(fpcalc_missing_message(program)) from None
    except PermissionError as exc:
        raise FpcalcMissing(f"cannot run {program!r}: {exc}") from None
    answer = _answer(done.stdout)
    if answer is None or not answer.fingerprint:
        return FingerprintFailed(_reason(done.stderr, f"fpcalc exited with {done.returncode}"))
    if not isinstance(answer.fingerprint, list):
        raise ValueError("run_fpcalc(raw=True) got a compressed fingerprint")
    return RawFingerprint(items=as_items(answer.fingerprint), duration=answer.duration)


async def run_fpcalc_compressed(
    path: Path, *, program: str = "fpcalc", max_seconds: int = 120
) -> tuple[str, float] | FingerprintFailed:
    """The compressed (base64) fingerprint AcoustID expects, and the duration."""
    command = [program, "-json", "-length", str(max_seconds), os.fspath(path)]
    try:
        done = await anyio.run_process(command, check=False)
    except FileNotFoundError:
        raise FpcalcMissing(fpcalc_missing_message(program)) from None
    answer = _answer(done.stdout)
    if answer is None or not answer.fingerprint:
        return FingerprintFailed(_reason(done.stderr, f"fpcalc exited with {done.returncode}"))
    return str(answer.fingerprint), answer.duration


def _answer(stdout: bytes) -> _FpcalcJson | None:
    """fpcalc's JSON, if it printed any.

    fpcalc 1.5 exits non-zero when a file ends before ``-length`` seconds
    although its fingerprint is complete, so the output decides, not the exit code.
    """
    try:
        return msgspec.json.decode(stdout, type=_FpcalcJson)
    except msgspec.DecodeError:
        return None


def as_items(values: list[int]) -> NDArray[np.uint32]:
    """fpcalc prints items signed or unsigned depending on its version: keep the 32 bits."""
    return (np.asarray(values, dtype=np.int64) & 0xFFFFFFFF).astype(np.uint32)


def fpcalc_missing_message(program: str) -> str:
    return (
        f"cannot run {program!r}: fpcalc is not installed. Install the Debian package "
        f"{DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE}), or set "
        "[plugins.fingerprint-chromaprint] fpcalc to its full path"
    )


def _reason(stderr: bytes, fallback: str) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    errors = dict.fromkeys(line.removeprefix("ERROR: ") for line in lines if line)
    return "; ".join(errors) if errors else fallback
