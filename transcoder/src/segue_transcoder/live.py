"""On-demand encodes: one rendition, written to the cache while clients read it.

ffmpeg writes the rendition to its stdout, flushing every Ogg page; this
process appends the bytes to a temporary file and wakes the readers. The
file is renamed into the cache when ffmpeg succeeds, so later requests are
served from disk; readers that opened the temporary file keep reading it
(an open file survives a rename). Requests for the same rendition while it
is being encoded join the running encode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread
import structlog
from anyio.streams.file import FileReadStream

from segue_transcoder.encode import last_lines, temp_path
from segue_transcoder.ffmpeg import FFmpegError, find_tool

log = structlog.get_logger("segue.transcoder")

CHUNK = 256 * 1024
STDERR_TAIL = 16 * 1024


class LiveEncode:
    """One running on-demand encode (implements ``segue.http.growing.GrowingBytes``)."""

    def __init__(self, final: Path) -> None:
        self.final = final
        self.temp = temp_path(final)
        self._written = 0
        self._finished = False
        self.error: str | None = None
        self.stderr = ""
        """The end of ffmpeg's stderr (errors, and the loudness summary when measured)."""
        self._changed = anyio.Event()
        self._done = anyio.Event()
        self._created = anyio.Event()

    @property
    def written(self) -> int:
        return self._written

    @property
    def finished(self) -> bool:
        return self._finished

    def _wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_for(self, size: int) -> None:
        while self._written < size and not self._finished:
            await self._changed.wait()

    async def wait_done(self) -> None:
        await self._done.wait()
        if self.error is not None:
            raise FFmpegError(self.error)

    async def run(self, args: Sequence[str]) -> None:
        """Run ffmpeg with ``args`` (writing to stdout) into the temporary file, then rename.

        Bound the time with ``anyio.fail_after`` or ``move_on_after``;
        cancelling kills ffmpeg and removes the temporary file.
        """
        try:
            await anyio.Path(self.final.parent).mkdir(parents=True, exist_ok=True)
            sink: BinaryIO = await anyio.to_thread.run_sync(_open_unbuffered, self.temp)
        except BaseException as exc:
            self.error = f"cannot write {self.temp}: {exc}"
            self._finish()
            raise
        self._created.set()
        try:
            code, self.stderr = await self._pump(args, sink)
            await anyio.to_thread.run_sync(sink.close)
            if code != 0:
                raise FFmpegError(f"ffmpeg exited with code {code}: {last_lines(self.stderr)}")
            await anyio.Path(self.temp).rename(self.final)
        except BaseException as exc:
            self.error = str(exc) or "the encode was stopped"
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(sink.close)
                await anyio.Path(self.temp).unlink(missing_ok=True)
            if not isinstance(exc, Exception):
                raise
        finally:
            self._finish()

    def _finish(self) -> None:
        self._finished = True
        self._created.set()
        self._wake()
        self._done.set()

    async def _pump(self, args: Sequence[str], sink: BinaryIO) -> tuple[int, str]:
        """Copy ffmpeg's stdout to ``sink``, waking readers; (exit code, error output)."""
        errors = bytearray()
        async with await anyio.open_process([find_tool("ffmpeg"), *args]) as process:
            assert process.stdout is not None and process.stderr is not None
            stderr = process.stderr

            async def drain_stderr() -> None:
                async for chunk in stderr:
                    errors.extend(chunk)
                    del errors[:-STDERR_TAIL]  # the end holds the errors and the summary

            async with anyio.create_task_group() as tg:
                tg.start_soon(drain_stderr)
                async for chunk in process.stdout:
                    await anyio.to_thread.run_sync(sink.write, chunk)
                    self._written += len(chunk)
                    self._wake()
            code = await process.wait()
        return code, errors.decode("utf-8", "replace").strip()

    async def read(self, start: int, end: int | None) -> AsyncIterator[bytes]:
        """Bytes ``start`` to ``end`` (inclusive; None: to the end), as they are written."""
        handle = await self._open()
        try:
            position = start
            await anyio.to_thread.run_sync(handle.seek, start)
            while end is None or position <= end:
                await self.wait_for(position + 1)
                available = self._written if end is None else min(self._written, end + 1)
                if position >= available:
                    if self.error is not None:
                        raise FFmpegError(self.error)  # ends the body early: the client sees it
                    return
                size = min(CHUNK, available - position)
                chunk = await anyio.to_thread.run_sync(handle.read, size)
                if not chunk:
                    return
                position += len(chunk)
                yield chunk
        finally:
            with anyio.CancelScope(shield=True):  # a client hanging up must not leak the file
                await anyio.to_thread.run_sync(handle.close)

    async def _open(self) -> BinaryIO:
        await self._created.wait()  # the encode task may not have started yet
        for path in (self.temp, self.final):
            try:
                return await anyio.to_thread.run_sync(_open_read, path)
            except FileNotFoundError:
                continue  # renamed (or failed) between the two looks
        raise FFmpegError(self.error or f"the rendition {self.final.name} is gone")


def _open_unbuffered(path: Path) -> BinaryIO:
    return path.open("wb", buffering=0)


def _open_read(path: Path) -> BinaryIO:
    return path.open("rb")


SMALL_READ = 1024 * 1024
"""Ranges up to this size are read in one go (one thread hop instead of several)."""


async def read_file(path: Path, start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes ``start`` to ``end`` inclusive of a complete file, in chunks, off the event loop."""
    if end - start + 1 <= SMALL_READ:
        yield await anyio.to_thread.run_sync(_read_span, path, start, end - start + 1)
        return
    async with await FileReadStream.from_path(path) as stream:
        await stream.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            try:
                chunk = await stream.receive(min(CHUNK, remaining))
            except anyio.EndOfStream:
                return
            remaining -= len(chunk)
            yield chunk


def _read_span(path: Path, start: int, length: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(start)
        return handle.read(length)
