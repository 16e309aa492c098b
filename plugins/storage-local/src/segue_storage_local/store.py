"""Library files on the local filesystem, confined to the configured library roots.

Every path is checked the same way before it is touched: the root must be a
configured library root, the relpath must be relative, free of NUL bytes and
``..`` parts, and its real path (symlinks followed) must stay inside the
root's real path. Anything else raises :class:`segue.errors.OutsideLibrary`.
"""

from __future__ import annotations

import os
import stat as stat_module
from collections.abc import AsyncIterator, Iterable
from pathlib import Path, PurePosixPath

import anyio
import anyio.to_thread

from segue.errors import OutsideLibrary
from segue.slots.storage import MediaStat


class LocalStorage:
    """The ``local`` media storage backend (implements ``segue.slots.storage.MediaStorage``).

    ``roots`` maps every spelling a caller may use for a root (the configured
    path, its absolute form) to that root's directory.
    """

    def __init__(self, roots: Iterable[tuple[str, Path]]) -> None:
        self._configured = dict(roots)
        self._real: dict[str, Path] = {}

    # --- Backend ---------------------------------------------------------
    async def start(self) -> None:
        self._real = await anyio.to_thread.run_sync(self._resolve_roots)

    async def ping(self) -> None:
        """Fail when library folders are configured and none of them can be read."""
        roots = sorted({str(p) for p in self._configured.values()})
        missing = await anyio.to_thread.run_sync(self._missing_roots)
        if roots and len(missing) == len(roots):
            raise FileNotFoundError("no library folder can be found: " + ", ".join(missing))

    async def close(self) -> None:
        return None

    # --- MediaStorage ----------------------------------------------------
    def resolve(self, root: str, relpath: str) -> Path:
        """The checked absolute path of a library file (it may not exist)."""
        root_real = self._root(root)
        parts = _checked_parts(relpath)
        real = Path(os.path.realpath(root_real.joinpath(*parts)))
        if not real.is_relative_to(root_real):
            raise OutsideLibrary(
                f"relpath {relpath!r} leads outside the library root {root!r} "
                "(through a symbolic link); only files inside the root can be read"
            )
        return real

    async def stat(self, root: str, relpath: str) -> MediaStat:
        def run() -> MediaStat:
            info = self.resolve(root, relpath).stat()
            if not stat_module.S_ISREG(info.st_mode):
                raise FileNotFoundError(f"{relpath!r} under {root!r} is not a regular file")
            return MediaStat(size=info.st_size, mtime_ns=info.st_mtime_ns)

        return await anyio.to_thread.run_sync(run)

    async def read_range(
        self, root: str, relpath: str, start: int, end: int, *, chunk_size: int = 65536
    ) -> AsyncIterator[bytes]:
        """Yield bytes ``start`` to ``end`` inclusive, in chunks of at most ``chunk_size``."""
        if start < 0 or end < start - 1 or chunk_size <= 0:
            raise ValueError(
                f"invalid byte range {start}-{end} (chunk size {chunk_size}): "
                "need 0 <= start <= end + 1 and a positive chunk size"
            )
        path = await anyio.to_thread.run_sync(self.resolve, root, relpath)
        remaining = end - start + 1
        async with await anyio.open_file(path, "rb") as file:
            await file.seek(start)
            while remaining > 0:
                chunk = await file.read(min(chunk_size, remaining))
                if not chunk:
                    # Never pad or truncate silently: the caller promised a length.
                    raise OSError(f"{relpath!r} under {root!r} shrank while being read")
                remaining -= len(chunk)
                yield chunk

    async def read_bytes(self, root: str, relpath: str, *, max_size: int) -> bytes:
        def run() -> bytes:
            path = self.resolve(root, relpath)
            with path.open("rb") as file:
                data = file.read(max_size + 1)
            if len(data) > max_size:
                raise ValueError(
                    f"{relpath!r} under {root!r} is larger than {max_size} bytes, "
                    "the most read whole"
                )
            return data

        return await anyio.to_thread.run_sync(run)

    # --- helpers ---------------------------------------------------------
    def _resolve_roots(self) -> dict[str, Path]:
        return {name: Path(os.path.realpath(path)) for name, path in self._configured.items()}

    def _missing_roots(self) -> list[str]:
        return sorted({str(p) for p in self._configured.values() if not p.is_dir()})

    def _root(self, root: str) -> Path:
        real = self._real.get(root)
        if real is None:
            # Also accept a root spelled as its real path (what a scanner may store).
            for candidate in self._real.values():
                if str(candidate) == root:
                    return candidate
            known = ", ".join(sorted({str(p) for p in self._configured.values()})) or "none"
            raise OutsideLibrary(
                f"{root!r} is not a configured library root; configured roots: {known}"
            )
        return real


def _checked_parts(relpath: str) -> tuple[str, ...]:
    """The parts of ``relpath``, refusing what could name a file outside a root."""
    if "\x00" in relpath:
        raise OutsideLibrary(f"relpath {relpath!r} contains a NUL byte")
    path = PurePosixPath(relpath)
    if path.is_absolute() or relpath.startswith("\\") or (len(relpath) > 1 and relpath[1] == ":"):
        raise OutsideLibrary(
            f"relpath {relpath!r} is absolute; it must be relative to its library root"
        )
    if ".." in path.parts:
        raise OutsideLibrary(f"relpath {relpath!r} contains '..'; it must stay inside its root")
    return path.parts
