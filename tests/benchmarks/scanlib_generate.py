"""Builds the scan benchmark's library: a few ffmpeg-made templates, copied and retagged.

Encoding 10,000 files would take long; copying a dozen real templates and
giving each copy its own tags (so every file has its own content key and
metadata) takes seconds, in parallel processes. The result is cached.
"""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
from pathlib import Path
from typing import Any

import mutagen
import mutagen.flac
import mutagen.id3
import mutagen.mp4

TRACKS_PER_ALBUM = 10
ALBUMS_PER_ARTIST = 5

# (extension, ffmpeg encoder args, seconds, embed a cover)
TEMPLATES: list[tuple[str, list[str], float, bool]] = [
    ("flac", ["-c:a", "flac"], 6, False),
    ("flac", ["-c:a", "flac"], 8, True),
    ("mp3", ["-c:a", "libmp3lame", "-b:a", "192k"], 8, False),
    ("mp3", ["-c:a", "libmp3lame", "-b:a", "128k"], 9, True),
    ("mp3", ["-c:a", "libmp3lame", "-q:a", "4"], 7, False),
    ("ogg", ["-c:a", "libvorbis", "-q:a", "5"], 10, False),
    ("ogg", ["-c:a", "libvorbis", "-q:a", "3"], 8, True),
    ("opus", ["-c:a", "libopus", "-b:a", "128k"], 9, False),
    ("opus", ["-c:a", "libopus", "-b:a", "96k"], 10, True),
    ("m4a", ["-c:a", "aac", "-b:a", "160k"], 8, False),
    ("m4a", ["-c:a", "aac", "-b:a", "128k"], 9, True),
    ("wav", ["-c:a", "pcm_s16le", "-ac", "1", "-ar", "22050"], 4, False),
]


def _run(args: list[str]) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], check=True
    )


def make_templates(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cover = folder / "cover.jpg"
    if not cover.exists():
        _run(["-f", "lavfi", "-i", "testsrc2=size=500x500:rate=1", "-frames:v", "1", str(cover)])
    paths = []
    for i, (ext, encoder, seconds, embed) in enumerate(TEMPLATES):
        path = folder / f"template{i:02d}.{ext}"
        if not path.exists():
            source = f"sine=frequency={220 + 40 * i}:duration={seconds}:sample_rate=44100"
            _run(["-f", "lavfi", "-i", source, "-map_metadata", "-1", *encoder, str(path)])
            if embed:
                _tag(path, {"title": "template"}, cover.read_bytes())
        paths.append(path)
    return paths


def _tag(path: Path, values: dict[str, str], cover: bytes | None = None) -> None:
    audio: Any = mutagen.File(path)
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    if isinstance(tags, mutagen.id3.ID3):
        frames = {
            "title": mutagen.id3.TIT2,
            "artist": mutagen.id3.TPE1,
            "album": mutagen.id3.TALB,
            "albumartist": mutagen.id3.TPE2,
            "tracknumber": mutagen.id3.TRCK,
            "date": mutagen.id3.TDRC,
            "genre": mutagen.id3.TCON,
        }
        for key, value in values.items():
            tags.add(frames[key](encoding=3, text=[value]))
        if cover is not None:
            tags.add(mutagen.id3.APIC(encoding=3, mime="image/jpeg", type=3, data=cover))
    elif isinstance(tags, mutagen.mp4.MP4Tags):
        atoms = {
            "title": "\xa9nam",
            "artist": "\xa9ART",
            "album": "\xa9alb",
            "albumartist": "aART",
            "date": "\xa9day",
            "genre": "\xa9gen",
        }
        for key, value in values.items():
            if key == "tracknumber":
                tags["trkn"] = [(int(value.split("/")[0]), TRACKS_PER_ALBUM)]
            else:
                tags[atoms[key]] = [value]
        if cover is not None:
            tags["covr"] = [mutagen.mp4.MP4Cover(cover)]
    else:  # Vorbis comments
        for key, value in values.items():
            audio[key] = [value]
        if cover is not None and hasattr(audio, "add_picture"):
            picture = mutagen.flac.Picture()
            picture.type, picture.mime, picture.data = 3, "image/jpeg", cover
            audio.add_picture(picture)
    audio.save()


def _make_one(job: tuple[int, str, str]) -> None:
    index, template, target = job
    artist, album, track = (
        index // (TRACKS_PER_ALBUM * ALBUMS_PER_ARTIST),
        index // TRACKS_PER_ALBUM,
        index % TRACKS_PER_ALBUM + 1,
    )
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name("." + path.name)
    shutil.copyfile(template, temp)
    _tag(
        temp,
        {
            "title": f"Track {index}: Ångström take",
            "artist": f"Artist {artist:04d}",
            "album": f"Album {album:05d}",
            "albumartist": f"Artist {artist:04d}",
            "tracknumber": f"{track}/{TRACKS_PER_ALBUM}",
            "date": str(1960 + index % 60),
            "genre": ("Rock", "Jazz", "Ambient", "Folk")[index % 4],
        },
    )
    temp.rename(path)


def library_jobs(library: Path, templates: list[Path], files: int) -> list[tuple[int, str, str]]:
    jobs = []
    for index in range(files):
        template = templates[index % len(templates)]
        artist = index // (TRACKS_PER_ALBUM * ALBUMS_PER_ARTIST)
        album = index // TRACKS_PER_ALBUM
        relpath = (
            f"Artist {artist:04d}/Album {album:05d}/"
            f"{index % TRACKS_PER_ALBUM + 1:02d} - Track {index}{template.suffix}"
        )
        jobs.append((index, str(template), str(library / relpath)))
    return jobs


def build_library(cache: Path, files: int) -> Path:
    """The cached library of ``files`` audio files under ``cache``; built when missing."""
    library = cache / "library"
    done = cache / "complete"
    if done.exists():
        return library
    templates = make_templates(cache / "templates")
    jobs = [j for j in library_jobs(library, templates, files) if not Path(j[2]).exists()]
    with multiprocessing.get_context("fork").Pool() as pool:
        pool.map(_make_one, jobs, chunksize=64)
    done.write_text(f"{files}\n")
    return library
