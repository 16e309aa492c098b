"""Walk one library root: which audio files are there, with their size and mtime.

Blocking (``os.scandir``): the scanner runs it on a worker thread. Symlinks
are followed only while they stay inside the root, so a link cannot pull
files from elsewhere into the library; hidden entries (".name") are skipped,
as are the temporary files of tools writing into the library.
"""

from __future__ import annotations

import os
import stat as stat_module
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from segue_catalog_filesystem.covers import find_folder_cover
from segue_catalog_filesystem.tags import AUDIO_EXTENSIONS, extension


class RootUnavailable(Exception):
    """The library root itself cannot be listed; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class WalkedFile(NamedTuple):
    """One audio file seen on disk."""

    relpath: str
    size: int
    mtime_ns: int
    folder_cover: str | None
    """relpath of the cover image in the same folder, if any."""


@dataclass
class WalkResult:
    files: dict[str, WalkedFile] = field(default_factory=dict)
    """Audio files by relpath (POSIX separators)."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(relpath, reason) for entries that could not be looked at."""
    unreadable_dirs: list[str] = field(default_factory=list)
    """relpaths of folders that could not be listed: their files are not gone."""

    def under_unreadable(self, relpath: str) -> bool:
        return any(relpath.startswith(d + "/") for d in self.unreadable_dirs)


def _has_valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False  # undecodable bytes, kept by Python as surrogates
    return True


def walk_library(root: str) -> WalkResult:
    """Every audio file under ``root``; raise RootUnavailable if root cannot be listed."""
    try:
        root_stat = Path(root).stat()
    except FileNotFoundError:
        raise RootUnavailable("library folder not found") from None
    except OSError as exc:
        raise RootUnavailable(f"cannot open library folder: {exc.strerror or exc}") from None
    if not stat_module.S_ISDIR(root_stat.st_mode):
        raise RootUnavailable("library path is not a folder")
    real_root = os.path.realpath(root)
    result = WalkResult()
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    try:
        entries = list(os.scandir(root))
    except OSError as exc:
        raise RootUnavailable(f"cannot list library folder: {exc.strerror or exc}") from None
    stack: list[tuple[str, list[os.DirEntry[str]]]] = [("", entries)]
    while stack:
        prefix, entries = stack.pop()
        cover = find_folder_cover(e.name for e in entries if not e.name.startswith("."))
        cover_relpath = prefix + cover if cover else None
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            relpath = prefix + name
            if not _has_valid_name(name):
                result.problems.append(
                    (relpath.encode("utf-8", "replace").decode(), "file name is not valid UTF-8")
                )
                continue
            try:
                _visit(entry, relpath, cover_relpath, real_root, visited, stack, result)
            except OSError as exc:
                result.problems.append((relpath, f"cannot read: {exc.strerror or exc}"))
    return result


def _visit(
    entry: os.DirEntry[str],
    relpath: str,
    cover_relpath: str | None,
    real_root: str,
    visited: set[tuple[int, int]],
    stack: list[tuple[str, list[os.DirEntry[str]]]],
    result: WalkResult,
) -> None:
    if entry.is_symlink():
        target = os.path.realpath(entry.path)
        if target != real_root and not target.startswith(real_root + os.sep):
            return  # leads out of the library
    if entry.is_dir():
        info = entry.stat()
        if (info.st_dev, info.st_ino) in visited:
            return  # a symlink loop, or a folder already seen through another link
        visited.add((info.st_dev, info.st_ino))
        try:
            children = list(os.scandir(entry.path))
        except OSError as exc:
            result.unreadable_dirs.append(relpath)
            result.problems.append((relpath, f"cannot list folder: {exc.strerror or exc}"))
            return
        stack.append((relpath + "/", children))
        return
    if extension(entry.name) not in AUDIO_EXTENSIONS:
        return
    if not entry.is_file():
        return
    info = entry.stat()
    result.files[relpath] = WalkedFile(relpath, info.st_size, info.st_mtime_ns, cover_relpath)
