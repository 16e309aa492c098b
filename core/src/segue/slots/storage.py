"""The media storage slot: where the audio files and cover images are read from."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import msgspec

from segue.slots.base import Backend


class MediaStat(msgspec.Struct, frozen=True, kw_only=True):
    size: int
    mtime_ns: int

    @property
    def etag(self) -> str:
        """A strong validator: changes whenever the file does."""
        return f'"{self.size:x}-{self.mtime_ns:x}"'


class MediaStorage(Backend, Protocol):
    """Reads library files. Default: ``local`` (plugin storage-local).

    Every method takes a library ``root`` (one of ``[library] paths``) and a
    ``relpath`` below it, and raises ``segue.errors.OutsideLibrary`` for
    anything that would resolve outside the configured roots (``..``,
    symlinks leaving the library, absolute paths), and ``FileNotFoundError``
    when the file is gone.
    """

    def resolve(self, root: str, relpath: str) -> Path:
        """The checked absolute path of a library file."""
        ...

    async def stat(self, root: str, relpath: str) -> MediaStat: ...

    def read_range(
        self, root: str, relpath: str, start: int, end: int, *, chunk_size: int = 65536
    ) -> AsyncIterator[bytes]:
        """Yield the bytes ``start`` to ``end`` inclusive, reading off the event loop."""
        ...

    async def read_bytes(self, root: str, relpath: str, *, max_size: int) -> bytes:
        """A small file whole (cover images); ``ValueError`` above ``max_size``."""
        ...
