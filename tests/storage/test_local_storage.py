"""The ``local`` media storage: exact bytes, and nothing outside the library roots."""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from segue.errors import OutsideLibrary
from segue.runtime import load
from segue.slots.storage import MediaStorage

pytestmark = pytest.mark.anyio


@dataclass
class Library:
    storage: MediaStorage
    music: Path
    other: Path
    outside: Path
    content: bytes


@pytest.fixture
async def library(tmp_path: Path) -> AsyncIterator[Library]:
    """Two library roots, a secret file outside them, and symlinks in and out."""
    music, other, outside = tmp_path / "music", tmp_path / "other", tmp_path / "outside"
    for folder in (music / "Artist" / "Album", other, outside / "dir"):
        folder.mkdir(parents=True)
    content = random.Random(1).randbytes(300_000)
    (music / "Artist" / "Album" / "01 Song.flac").write_bytes(content)
    (music / "cover.jpg").write_bytes(b"jpeg" * 10)
    (other / "theirs.mp3").write_bytes(b"other root")
    (outside / "secret.txt").write_bytes(b"secret")
    (outside / "dir" / "secret.flac").write_bytes(b"secret")
    (music / "escape.flac").symlink_to(outside / "secret.txt")
    (music / "escape-dir").symlink_to(outside / "dir")
    (music / "to-other.mp3").symlink_to(other / "theirs.mp3")
    (music / "alias.flac").symlink_to(music / "Artist" / "Album" / "01 Song.flac")
    _raw, plugins, context = load(
        None,
        overrides={
            "server.data_dir": str(tmp_path / "data"),
            "library.paths": [str(music), str(other)],
        },
    )
    storage = cast(MediaStorage, plugins.backends["storage"]["local"].factory(context))
    await storage.start()
    try:
        yield Library(storage, music, other, outside, content)
    finally:
        await storage.close()


SONG = "Artist/Album/01 Song.flac"


async def read(storage: MediaStorage, root: Path, relpath: str, start: int, end: int) -> bytes:
    return b"".join([c async for c in storage.read_range(str(root), relpath, start, end)])


async def test_resolve_gives_the_file_inside_its_root(library: Library) -> None:
    path = library.storage.resolve(str(library.music), SONG)

    assert path == (library.music / SONG).resolve()
    assert path.read_bytes() == library.content


async def test_stat_reports_size_and_mtime(library: Library) -> None:
    stat = await library.storage.stat(str(library.music), SONG)

    assert stat.size == len(library.content)
    assert stat.mtime_ns == os.stat(library.music / SONG).st_mtime_ns
    assert stat.etag.startswith('"') and stat.etag.endswith('"')


async def test_read_range_returns_exactly_the_asked_bytes(library: Library) -> None:
    rng = random.Random(3)
    size = len(library.content)
    for _ in range(50):
        start = rng.randrange(size)
        end = rng.randrange(start, size)
        assert (
            await read(library.storage, library.music, SONG, start, end)
            == library.content[start : end + 1]
        )
    assert await read(library.storage, library.music, SONG, 0, size - 1) == library.content
    assert await read(library.storage, library.music, SONG, 5, 4) == b""


async def test_read_range_yields_chunks_no_larger_than_asked(library: Library) -> None:
    chunks = [
        c
        async for c in library.storage.read_range(
            str(library.music), SONG, 10, 100_009, chunk_size=4096
        )
    ]

    assert max(len(c) for c in chunks) == 4096
    assert b"".join(chunks) == library.content[10:100_010]


async def test_read_range_refuses_a_range_past_the_end(library: Library) -> None:
    size = len(library.content)
    with pytest.raises(OSError, match="shrank"):
        await read(library.storage, library.music, SONG, size - 10, size + 10)


async def test_read_range_refuses_negative_offsets(library: Library) -> None:
    with pytest.raises(ValueError, match="invalid byte range"):
        await read(library.storage, library.music, SONG, -1, 10)


async def test_symlinks_inside_the_root_are_followed(library: Library) -> None:
    assert await read(library.storage, library.music, "alias.flac", 0, 9) == library.content[:10]


async def test_read_bytes_reads_small_files_whole(library: Library) -> None:
    data = await library.storage.read_bytes(str(library.music), "cover.jpg", max_size=100)

    assert data == b"jpeg" * 10


async def test_read_bytes_refuses_files_above_max_size(library: Library) -> None:
    with pytest.raises(ValueError, match="larger than 39 bytes"):
        await library.storage.read_bytes(str(library.music), "cover.jpg", max_size=39)


async def test_a_missing_file_raises_file_not_found(library: Library) -> None:
    with pytest.raises(FileNotFoundError):
        await library.storage.stat(str(library.music), "Artist/gone.flac")
    with pytest.raises(FileNotFoundError):
        await read(library.storage, library.music, "Artist/gone.flac", 0, 1)


async def test_a_folder_is_not_a_file(library: Library) -> None:
    with pytest.raises(FileNotFoundError, match="not a regular file"):
        await library.storage.stat(str(library.music), "Artist")


async def test_the_second_root_serves_its_own_files(library: Library) -> None:
    assert await read(library.storage, library.other, "theirs.mp3", 0, 9) == b"other root"


@pytest.mark.parametrize(
    ("relpath", "reason"),
    [
        ("../outside/secret.txt", "contains '..'"),
        ("Artist/../../outside/secret.txt", "contains '..'"),
        ("../other/theirs.mp3", "contains '..'"),
        ("..", "contains '..'"),
        ("escape.flac", "leads outside"),
        ("escape-dir/secret.flac", "leads outside"),
        ("to-other.mp3", "leads outside"),
        ("Artist/\x00.flac", "NUL byte"),
        ("\\etc\\passwd", "absolute"),
        ("C:/Windows/win.ini", "absolute"),
    ],
)
async def test_paths_leaving_the_root_are_refused(
    library: Library, relpath: str, reason: str
) -> None:
    storage, root = library.storage, str(library.music)

    with pytest.raises(OutsideLibrary, match=reason):
        storage.resolve(root, relpath)
    with pytest.raises(OutsideLibrary, match=reason):
        await storage.stat(root, relpath)
    with pytest.raises(OutsideLibrary, match=reason):
        await read(storage, library.music, relpath, 0, 1)
    with pytest.raises(OutsideLibrary, match=reason):
        await storage.read_bytes(root, relpath, max_size=100)


async def test_an_absolute_relpath_is_refused(library: Library) -> None:
    secret = str(library.outside / "secret.txt")

    with pytest.raises(OutsideLibrary, match="is absolute"):
        await library.storage.stat(str(library.music), secret)


@pytest.mark.parametrize("root", ["/", "/etc", "outside", ""])
async def test_a_root_that_is_not_configured_is_refused(library: Library, root: str) -> None:
    with pytest.raises(OutsideLibrary, match="not a configured library root"):
        await library.storage.stat(root, "etc/passwd")


async def test_the_outside_folder_is_not_a_root(library: Library) -> None:
    with pytest.raises(OutsideLibrary, match="not a configured library root"):
        await read(library.storage, library.outside, "secret.txt", 0, 5)


async def test_ping_passes_while_a_root_exists(library: Library) -> None:
    await library.storage.ping()


async def test_ping_fails_when_no_library_folder_exists(tmp_path: Path) -> None:
    _raw, plugins, context = load(
        None,
        overrides={
            "server.data_dir": str(tmp_path / "data"),
            "library.paths": [str(tmp_path / "not-there")],
        },
    )
    storage = cast(MediaStorage, plugins.backends["storage"]["local"].factory(context))
    await storage.start()
    with pytest.raises(FileNotFoundError, match="not-there"):
        await storage.ping()
