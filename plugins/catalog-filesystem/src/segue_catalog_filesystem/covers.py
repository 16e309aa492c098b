"""Cover images: the folder cover next to a file, and pictures embedded in tags."""

# mutagen is only partly annotated: its calls are untyped by nature.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import base64
import os
from collections.abc import Iterable

import msgspec
import mutagen
import mutagen.flac
import mutagen.id3
import mutagen.mp4

from segue.http.media_types import image_media_type

# Preferred first: "cover" over "folder" over "front", JPEG over PNG.
_COVER_STEMS = ("cover", "folder", "front")
_COVER_EXTENSIONS = (".jpg", ".jpeg", ".png")
_RANK = {
    stem + ext: i * len(_COVER_EXTENSIONS) + j
    for i, stem in enumerate(_COVER_STEMS)
    for j, ext in enumerate(_COVER_EXTENSIONS)
}


class Picture(msgspec.Struct, frozen=True):
    """An image's bytes and content type."""

    data: bytes
    mime: str


def find_folder_cover(names: Iterable[str]) -> str | None:
    """The best cover image among a folder's file names (case-insensitive), if any."""
    best: tuple[int, str] | None = None
    for name in names:
        rank = _RANK.get(name.lower())
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, name)
    return best[1] if best else None


def embedded_picture(path: str | os.PathLike[str]) -> Picture | None:
    """The front cover (or first picture) embedded in an audio file's tags.

    Blocking: call it from a worker thread.
    """
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError, EOFError):
        return None
    if audio is None:
        return None
    pictures = _pictures(audio)
    if not pictures:
        return None
    # Picture type 3 is "front cover" in ID3 APIC and FLAC METADATA_BLOCK_PICTURE.
    pictures.sort(key=lambda p: 0 if p[0] == 3 else 1)
    _type, data, declared = pictures[0]
    return Picture(data=data, mime=image_media_type(data, declared))


def _pictures(audio: object) -> list[tuple[int, bytes, str | None]]:
    found: list[tuple[int, bytes, str | None]] = []
    for picture in getattr(audio, "pictures", None) or []:  # FLAC
        found.append((picture.type, picture.data, picture.mime))
    tags = getattr(audio, "tags", None)
    if tags is None:
        return found
    if isinstance(tags, mutagen.id3.ID3):
        for frame in tags.getall("APIC"):
            found.append((int(frame.type), frame.data, frame.mime))
    elif isinstance(tags, mutagen.mp4.MP4Tags):
        for cover in tags.get("covr", []):
            found.append((3, bytes(cover), None))
    elif hasattr(tags, "vendor"):  # Vorbis comments (Ogg)
        for value in tags.get("metadata_block_picture", []):
            try:
                picture = mutagen.flac.Picture(base64.b64decode(value))
            except (ValueError, mutagen.MutagenError):
                continue
            found.append((picture.type, picture.data, picture.mime))
    return found
