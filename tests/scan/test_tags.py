"""Reading one file's tags and facts: every format, every tag spelling, every failure."""

from __future__ import annotations

from pathlib import Path

import mutagen
import pytest
from scanhelpers import ENCODERS, FULL_TAGS, copy_template, write_full_tags

from segue_catalog_filesystem.covers import embedded_picture, find_folder_cover
from segue_catalog_filesystem.tags import UnreadableFile, read_track

CODECS = {"flac": "flac", "mp3": "mp3", "ogg": "vorbis", "opus": "opus", "m4a": "aac", "wav": "pcm"}


@pytest.mark.parametrize("ext", list(ENCODERS))
def test_full_tags_are_read_in_every_format(
    ext: str, audio_templates: dict[str, Path], cover_jpeg: bytes, tmp_path: Path
) -> None:
    path = copy_template(audio_templates[ext], tmp_path / "Albüm" / f"song.{ext}")
    write_full_tags(path, cover_jpeg)

    track = read_track(str(tmp_path), f"Albüm/song.{ext}")

    for field, expected in FULL_TAGS.items():
        assert getattr(track, field) == expected, f"{ext}: {field}"
    assert track.codec == CODECS[ext]
    assert track.relpath == f"Albüm/song.{ext}"
    assert track.root == str(tmp_path)
    assert track.size == path.stat().st_size
    assert track.mtime_ns == path.stat().st_mtime_ns
    assert 900 <= track.duration_ms <= 1200
    assert track.channels == 2
    assert track.sample_rate == (48000 if ext == "opus" else 44100)
    assert track.bitrate is not None and track.bitrate > 0
    assert track.folder_cover is None
    picture = embedded_picture(path)
    assert picture is not None and picture.data == cover_jpeg and picture.mime == "image/jpeg"


@pytest.mark.parametrize("ext", list(ENCODERS))
def test_untagged_file_is_titled_after_its_name(
    ext: str, audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    copy_template(audio_templates[ext], tmp_path / f"My Field Recording.v2.{ext}")
    track = read_track(str(tmp_path), f"My Field Recording.v2.{ext}")
    assert track.title == "My Field Recording.v2"
    assert track.artists == [] and track.album is None and not track.has_embedded_cover
    assert embedded_picture(tmp_path / f"My Field Recording.v2.{ext}") is None


def test_folder_cover_is_found_case_insensitively(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    copy_template(audio_templates["flac"], tmp_path / "a" / "01.flac")
    (tmp_path / "a" / "Folder.JPG").write_bytes(b"\xff\xd8\xff fake")
    (tmp_path / "a" / "back.jpg").write_bytes(b"\xff\xd8\xff fake")
    assert read_track(str(tmp_path), "a/01.flac").folder_cover == "a/Folder.JPG"
    # "cover" wins over "folder" and "front", whatever the order on disk.
    assert find_folder_cover(["front.png", "FOLDER.jpeg", "Cover.PNG", "x.jpg"]) == "Cover.PNG"
    assert find_folder_cover(["back.jpg", "cover.gif"]) is None


def test_same_bytes_elsewhere_have_the_same_content_key(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    copy_template(audio_templates["mp3"], tmp_path / "one.mp3")
    copy_template(audio_templates["mp3"], tmp_path / "deep" / "two.mp3")
    copy_template(audio_templates["ogg"], tmp_path / "three.ogg")
    one = read_track(str(tmp_path), "one.mp3")
    assert one.content_key == read_track(str(tmp_path), "deep/two.mp3").content_key
    assert one.content_key != read_track(str(tmp_path), "three.ogg").content_key


def _unreadable(root: Path, relpath: str) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_track(str(root), relpath)
    return caught.value.reason


def test_unreadable_files_say_why(audio_templates: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "empty.flac").write_bytes(b"")
    assert _unreadable(tmp_path, "empty.flac") == "empty file"

    (tmp_path / "notes.txt.opus").write_text("shopping list: milk, eggs\n" * 20)
    assert _unreadable(tmp_path, "notes.txt.opus") == "not an audio file mutagen recognizes"

    flac = audio_templates["flac"].read_bytes()
    (tmp_path / "cut.flac").write_bytes(flac[:30])  # the stream info block cut short
    assert _unreadable(tmp_path, "cut.flac").startswith("truncated or corrupt FLAC: ")

    (tmp_path / "fake.mp3").write_bytes(b"ID3" + b"\x00" * 7 + b"garbage" * 100)
    assert _unreadable(tmp_path, "fake.mp3").startswith("not a readable MP3 file")

    assert _unreadable(tmp_path, "vanished.mp3").startswith("cannot read the file: ")


def test_genres_split_on_semicolons_and_numbers_accept_plain_forms(
    audio_templates: dict[str, Path], tmp_path: Path
) -> None:
    path = copy_template(audio_templates["flac"], tmp_path / "x.flac")
    audio = mutagen.File(path)
    audio["GENRE"] = ["Rock; Pop", "Rock"]
    audio["TRACKNUMBER"] = ["07"]
    audio["DATE"] = ["1999"]
    audio["REPLAYGAIN_TRACK_GAIN"] = ["+1.20 dB"]
    audio["ARTIST"] = ["AB/CD"]
    audio.save()
    track = read_track(str(tmp_path), "x.flac")
    assert track.genres == ["Rock", "Pop"]
    assert track.track_number == 7 and track.year == 1999
    assert track.replaygain_track_gain == pytest.approx(1.2)
    assert track.artists == ["AB/CD"]
    assert not track.compilation
