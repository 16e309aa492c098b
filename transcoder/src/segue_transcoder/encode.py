"""One ffmpeg process per source: decode once, write every rendition, measure loudness.

Each rendition is written to a temporary file next to its final path and
renamed into place only when ffmpeg exits successfully, so a killed job
leaves temporary files (removed by :func:`segue_transcoder.store.sweep_temp`)
and never a partial rendition under a final name.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio

from segue_transcoder.ffmpeg import FFmpegError, find_tool
from segue_transcoder.ladder import LadderStep

TEMP_MARK = ".part-"
"""Temporary renditions are named ``.<final name>.part-<pid>-<random>``."""

SILENCE_LUFS = -70.0
SILENCE_PEAK_DBFS = -120.0
_INTEGRATED = re.compile(r"I:\s+(-?[0-9.]+|-inf)\s+LUFS")
_PEAK = re.compile(r"Peak:\s+(-?[0-9.]+|-inf)\s+dBFS")


class SourceError(FFmpegError):
    """ffmpeg could not read the source: a corrupt or unsupported file (not worth retrying)."""


@dataclass(frozen=True, slots=True)
class Loudness:
    """EBU R128 measurement of one track."""

    integrated_lufs: float
    true_peak_dbfs: float


@dataclass(frozen=True, slots=True)
class Output:
    """A rendition to write: its step and its final path."""

    step: LadderStep
    path: Path


def temp_path(final: Path) -> Path:
    """Where a rendition is written before it is complete."""
    return final.with_name(f".{final.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def ladder_args(
    source: Path, outputs: Sequence[tuple[LadderStep, Path]], *, loudness: bool
) -> list[str]:
    """ffmpeg arguments (after the program name) that decode ``source`` once and write
    each ``(step, path)``, plus an EBU R128 measurement when ``loudness`` is true."""
    branches = len(outputs) + (1 if loudness else 0)
    if branches == 0:
        raise ValueError("nothing to encode: no outputs and no loudness measurement")
    args = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-y"]
    args += ["-i", os.fspath(source), "-vn"]
    labels = [f"[a{n}]" for n in range(branches)]
    graph = f"[0:a:0]asplit={branches}{''.join(labels)}" if branches > 1 else "[0:a:0]anull[a0]"
    if loudness:
        graph += f";{labels[-1]}ebur128=peak=true[loud]"
    args += ["-filter_complex", graph]
    for n, (step, path) in enumerate(outputs):
        args += ["-map", labels[n], *step.output_args(), os.fspath(path)]
    if loudness:
        args += ["-map", "[loud]", "-f", "null", "-"]
    return args


def single_args(
    source: Path, step: LadderStep, *, loudness: bool = False, start_seconds: float = 0.0
) -> list[str]:
    """ffmpeg arguments writing one rendition to stdout, flushing every packet (live).

    With ``loudness``, the same decode also feeds an EBU R128 measurement
    (its summary goes to stderr, see :func:`parse_loudness`). ``start_seconds``
    starts the encode at that time (an input seek).
    """
    args = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info" if loudness else "error"]
    if start_seconds > 0:
        args += ["-ss", f"{start_seconds:.3f}"]
    args += ["-i", os.fspath(source), "-vn"]
    if loudness:
        args += ["-filter_complex", "[0:a:0]asplit=2[out][m];[m]ebur128=peak=true[loud]"]
        args += ["-map", "[out]"]
    else:
        args += ["-map", "0:a:0"]
    args += [*step.output_args(), "-flush_packets", "1", "pipe:1"]
    if loudness:
        args += ["-map", "[loud]", "-f", "null", "-"]
    return args


def parse_loudness(stderr: str) -> Loudness | None:
    """The integrated loudness and true peak from ebur128's summary, or None."""
    _, found, summary = stderr.rpartition("Summary:")
    if not found:
        return None
    integrated, peak = _INTEGRATED.search(summary), _PEAK.search(summary)
    if integrated is None or peak is None:
        return None
    # Silence measures -inf: keep finite values (JSON has no infinity), far below any target.
    return Loudness(max(float(integrated[1]), SILENCE_LUFS), max(float(peak[1]), SILENCE_PEAK_DBFS))


async def encode(
    source: Path,
    outputs: Sequence[Output],
    *,
    loudness: bool,
) -> Loudness | None:
    """Write every output (temp file, then rename) and measure loudness if asked.

    Raises :class:`SourceError` when ffmpeg fails: no output is renamed and
    every temporary file is removed. Bound the time with ``anyio.fail_after``
    (cancelling kills ffmpeg).
    """
    temps = [temp_path(o.path) for o in outputs]
    for output in outputs:
        await anyio.Path(output.path.parent).mkdir(parents=True, exist_ok=True)
    command = [
        find_tool("ffmpeg"),
        *ladder_args(
            source, [(o.step, t) for o, t in zip(outputs, temps, strict=True)], loudness=loudness
        ),
    ]
    try:
        result = await anyio.run_process(command, check=False)
        stderr = result.stderr.decode("utf-8", "replace")
        if result.returncode != 0:
            raise SourceError(f"ffmpeg could not transcode {source.name}: {last_lines(stderr)}")
        measured = parse_loudness(stderr) if loudness else None
        for output, temp in zip(outputs, temps, strict=True):
            await anyio.Path(temp).rename(output.path)
        return measured
    finally:
        for temp in temps:
            await anyio.Path(temp).unlink(missing_ok=True)


def last_lines(stderr: str, lines: int = 3) -> str:
    """ffmpeg's last few error lines, without its banner and stream descriptions."""
    useful = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not line.startswith((" ", "Input", "Output", "Stream"))
    ]
    return " | ".join(useful[-lines:]) or "no error output"
