"""Walking a library root: audio files only, any file name, no escaping through symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segue_catalog_filesystem.walk import RootUnavailable, walk_library


def touch(path: Path, data: bytes = b"x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_finds_audio_files_with_any_name(tmp_path: Path) -> None:
    names = [
        "plain.flac",
        "with spaces  and  more.MP3",
        "new\nline.ogg",
        "日本語/アルバム/曲.opus",
        "Zoë Ångström/Nordlys (2021)/01 - Snøfall.m4a",
        "emoji 🎵/track #1 [live] & more.wav",
    ]
    for name in names:
        touch(tmp_path / name, b"abc")
    touch(tmp_path / "readme.txt")
    touch(tmp_path / "cover.jpg")
    touch(tmp_path / ".hidden.flac")
    touch(tmp_path / ".sync" / "inside.flac")

    result = walk_library(str(tmp_path))

    assert sorted(result.files) == sorted(names)
    found = result.files["new\nline.ogg"]
    assert (found.size, found.mtime_ns) == (3, (tmp_path / "new\nline.ogg").stat().st_mtime_ns)
    assert found.folder_cover == "cover.jpg"
    assert result.files["日本語/アルバム/曲.opus"].folder_cover is None
    assert result.problems == []


def test_symlinks_are_followed_only_inside_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "library", tmp_path / "elsewhere"
    touch(root / "album" / "a.flac")
    touch(outside / "secret.flac")
    (root / "link-out").symlink_to(outside, target_is_directory=True)
    (root / "file-out.flac").symlink_to(outside / "secret.flac")
    (root / "link-in").symlink_to(root / "album", target_is_directory=True)
    (root / "album" / "loop").symlink_to(root, target_is_directory=True)

    result = walk_library(str(root))

    # The inner link shows the same folder again: walked once, under one of its names.
    assert len(result.files) == 1
    assert next(iter(result.files)) in ("album/a.flac", "link-in/a.flac")


def test_undecodable_file_names_are_problems(tmp_path: Path) -> None:
    os.close(os.open(os.path.join(os.fsencode(tmp_path), b"bad-\xff.flac"), os.O_CREAT))
    touch(tmp_path / "good.flac")
    result = walk_library(str(tmp_path))
    assert list(result.files) == ["good.flac"]
    assert [reason for _, reason in result.problems] == ["file name is not valid UTF-8"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list any folder")
def test_unreadable_folder_is_a_problem_not_an_error(tmp_path: Path) -> None:
    touch(tmp_path / "locked" / "a.flac")
    touch(tmp_path / "open" / "b.flac")
    (tmp_path / "locked").chmod(0)
    try:
        result = walk_library(str(tmp_path))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert list(result.files) == ["open/b.flac"]
    assert result.unreadable_dirs == ["locked"]
    assert result.under_unreadable("locked/a.flac")


def test_missing_root_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RootUnavailable, match="library folder not found"):
        walk_library(str(tmp_path / "nope"))
    touch(tmp_path / "file.flac")
    with pytest.raises(RootUnavailable, match="not a folder"):
        walk_library(str(tmp_path / "file.flac"))
