"""Read one audio file with mutagen into a ``ScannedTrack``.

Runs in tag-reader processes (see ``reader_pool``), never on the event loop.
Every tag format is first flattened into one dict of normalized field names
(``_Fields``) so that the mapping to ``ScannedTrack`` is written once.
"""

# mutagen is only partly annotated: its calls are untyped by nature.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import mutagen
import mutagen.flac
import mutagen.id3
import mutagen.mp3
import mutagen.mp4
import mutagen.oggopus
import mutagen.oggvorbis
import mutagen.wave

from segue.models import ScannedTrack
from segue_catalog_filesystem.covers import find_folder_cover

AUDIO_EXTENSIONS = frozenset(
    {
        ".flac",
        ".mp3",
        ".ogg",
        ".oga",
        ".opus",
        ".m4a",
        ".m4b",
        ".mp4",
        ".aac",
        ".wav",
        ".aif",
        ".aiff",
        ".wv",
        ".ape",
        ".mpc",
    }
)

CONTENT_KEY_CHUNK = 64 * 1024
_KEEP_FOLDER_COVER_LOOKUP = object()

# Normalized field name -> list of values found in the file's tags.
_Fields = dict[str, list[str]]


def extension(name: str) -> str:
    """'Song.FLAC' -> '.flac'; no extension (or a dotfile) -> ''."""
    name = name.rpartition("/")[2]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


class UnreadableFile(Exception):
    """The file cannot be read as audio; ``reason`` says why, for people."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def content_key(fileobj: BinaryIO, size: int) -> str:
    """Hash of the size and the first and last 64 KiB: the same bytes at a new path match."""
    digest = hashlib.blake2b(str(size).encode(), digest_size=16)
    fileobj.seek(0)
    digest.update(fileobj.read(CONTENT_KEY_CHUNK))
    if size > CONTENT_KEY_CHUNK:
        fileobj.seek(max(CONTENT_KEY_CHUNK, size - CONTENT_KEY_CHUNK))
        digest.update(fileobj.read(CONTENT_KEY_CHUNK))
    return digest.hexdigest()


def read_track(
    root: str, relpath: str, *, folder_cover: Any = _KEEP_FOLDER_COVER_LOOKUP
) -> ScannedTrack:
    """Read the file at ``root/relpath``; raise UnreadableFile with a reason.

    ``folder_cover`` is the relpath of the cover image next to the file, or
    None; when not given it is looked up by listing the file's folder (the
    scanner passes what it saw while walking, to save a directory listing).
    """
    try:
        with Path(root, relpath).open("rb") as fileobj:
            stat = os.fstat(fileobj.fileno())
            if stat.st_size == 0:
                raise UnreadableFile("empty file")
            audio = _load(fileobj, relpath)
            key = content_key(fileobj, stat.st_size)
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file: {exc.strerror or exc}") from None
    if folder_cover is _KEEP_FOLDER_COVER_LOOKUP:
        folder_cover = _lookup_folder_cover(root, relpath)
    info = audio.info
    length = float(getattr(info, "length", 0.0) or 0.0)
    if length <= 0:
        raise UnreadableFile("no audio found (zero duration): truncated or not really audio?")
    fields, has_cover = _fields(audio)
    codec = _codec(audio)
    return _to_track(
        fields,
        root=root,
        relpath=relpath,
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        content_key=key,
        codec=codec,
        duration_ms=round(length * 1000),
        bitrate=_bitrate(info, stat.st_size, length),
        # Opus always decodes at 48 kHz; mutagen does not report it.
        sample_rate=getattr(info, "sample_rate", None) or (48000 if codec == "opus" else None),
        channels=getattr(info, "channels", None) or None,
        has_embedded_cover=has_cover,
        folder_cover=folder_cover,
    )


def _load(fileobj: BinaryIO, relpath: str) -> Any:
    kind = extension(relpath).lstrip(".").upper() or "audio"
    by_extension = _CLASS_BY_EXTENSION.get(extension(relpath))
    if by_extension is not None:
        # Trusting the extension first skips mutagen's sniffing of every format.
        try:
            return by_extension(fileobj)
        except (mutagen.MutagenError, *_PARSER_ERRORS):
            fileobj.seek(0)  # the extension may lie (Opus in .ogg): let mutagen sniff
    try:
        audio = mutagen.File(fileobj)
    except mutagen.flac.error as exc:
        raise UnreadableFile(f"truncated or corrupt FLAC: {exc}") from None
    except mutagen.MutagenError as exc:
        raise UnreadableFile(f"not a readable {kind} file (truncated or corrupt?): {exc}") from None
    except _PARSER_ERRORS as exc:
        # Damaged headers make parsers trip over their own arithmetic.
        raise UnreadableFile(
            f"corrupt {kind} file: {type(exc).__name__}: {exc or 'unexpected end of data'}"
        ) from None
    if audio is None:
        raise UnreadableFile("not an audio file mutagen recognizes")
    return audio


_PARSER_ERRORS = (EOFError, ValueError, IndexError, KeyError, TypeError, OverflowError)
_CLASS_BY_EXTENSION: dict[str, Any] = {
    ".flac": mutagen.flac.FLAC,
    ".mp3": mutagen.mp3.MP3,
    ".ogg": mutagen.oggvorbis.OggVorbis,
    ".oga": mutagen.oggvorbis.OggVorbis,
    ".opus": mutagen.oggopus.OggOpus,
    ".m4a": mutagen.mp4.MP4,
    ".m4b": mutagen.mp4.MP4,
    ".mp4": mutagen.mp4.MP4,
    ".wav": mutagen.wave.WAVE,
}


def _lookup_folder_cover(root: str, relpath: str) -> str | None:
    folder = relpath.rpartition("/")[0]
    try:
        names = [p.name for p in Path(root, folder).iterdir()]
    except OSError:
        return None
    name = find_folder_cover(names)
    if name is None:
        return None
    return f"{folder}/{name}" if folder else name


# --- technical facts ------------------------------------------------------


def _codec(audio: Any) -> str:
    if isinstance(audio, mutagen.mp4.MP4):
        codec = str(getattr(audio.info, "codec", "") or "")
        return "aac" if codec.startswith("mp4a") else (codec or "mp4")
    name = type(audio).__name__
    return _CODEC_BY_CLASS.get(name, name.lower())


_CODEC_BY_CLASS = {
    "FLAC": "flac",
    "MP3": "mp3",
    "EasyMP3": "mp3",
    "OggVorbis": "vorbis",
    "OggOpus": "opus",
    "OggFLAC": "flac",
    "WAVE": "pcm",
    "AIFF": "pcm",
    "AAC": "aac",
    "WavPack": "wavpack",
    "MonkeysAudio": "ape",
    "Musepack": "musepack",
}


def _bitrate(info: Any, size: int, length: float) -> int | None:
    bitrate = getattr(info, "bitrate", None)
    if bitrate:
        return int(bitrate)
    return round(size * 8 / length) if length > 0 else None


# --- tags -> normalized fields -----------------------------------------


def _fields(audio: Any) -> tuple[_Fields, bool]:
    """The file's tags as normalized fields, and whether a picture is embedded."""
    tags = audio.tags
    has_cover = bool(getattr(audio, "pictures", None))
    if tags is None:
        return {}, has_cover
    if isinstance(tags, mutagen.id3.ID3):
        fields, cover = _id3_fields(tags)
    elif isinstance(tags, mutagen.mp4.MP4Tags):
        fields, cover = _mp4_fields(tags)
    elif hasattr(tags, "vendor"):  # Vorbis comments (FLAC, Ogg Vorbis, Opus)
        fields, cover = _vorbis_fields(tags)
    else:
        fields, cover = _generic_fields(tags)
    return fields, has_cover or cover


_VORBIS_NAMES = {
    "title": "title",
    "artist": "artist",
    "artists": "artists",
    "album": "album",
    "albumartist": "albumartist",
    "album artist": "albumartist",
    "album_artist": "albumartist",
    "compilation": "compilation",
    "tracknumber": "tracknumber",
    "tracktotal": "tracktotal",
    "totaltracks": "tracktotal",
    "discnumber": "discnumber",
    "date": "date",
    "year": "year",
    "originaldate": "originaldate",
    "genre": "genre",
    "label": "label",
    "organization": "organization",
    "publisher": "publisher",
    "musicbrainz_trackid": "mb_recording",
    "musicbrainz_releasetrackid": "mb_track",
    "musicbrainz_albumid": "mb_album",
    "musicbrainz_artistid": "mb_artist",
    "musicbrainz_albumartistid": "mb_albumartist",
    "replaygain_track_gain": "rg_track_gain",
    "replaygain_track_peak": "rg_track_peak",
    "replaygain_album_gain": "rg_album_gain",
    "replaygain_album_peak": "rg_album_peak",
}


def _vorbis_fields(tags: Iterable[tuple[str, str]]) -> tuple[_Fields, bool]:
    fields: _Fields = {}
    cover = False
    for key, value in tags:
        lowered = key.lower()
        if lowered in ("metadata_block_picture", "coverart"):
            cover = True
            continue
        name = _VORBIS_NAMES.get(lowered)
        if name is not None:
            fields.setdefault(name, []).append(value)
    return fields, cover


_ID3_TEXT = {
    "TIT2": "title",
    "TPE1": "artist",
    "TALB": "album",
    "TPE2": "albumartist",
    "TCMP": "compilation",
    "TRCK": "tracknumber",
    "TPOS": "discnumber",
    "TDRC": "date",
    "TYER": "year",
    "TDOR": "originaldate",
    "TPUB": "label",
}

_ID3_TXXX = {
    "musicbrainz release track id": "mb_track",
    "musicbrainz album id": "mb_album",
    "musicbrainz artist id": "mb_artist",
    "musicbrainz album artist id": "mb_albumartist",
    "replaygain_track_gain": "rg_track_gain",
    "replaygain_track_peak": "rg_track_peak",
    "replaygain_album_gain": "rg_album_gain",
    "replaygain_album_peak": "rg_album_peak",
    "label": "label",
    "artists": "artists",
}


def _id3_fields(tags: mutagen.id3.ID3) -> tuple[_Fields, bool]:
    fields: _Fields = {}
    cover = False
    for frame in tags.values():
        frame_id = frame.FrameID
        if frame_id in _ID3_TEXT:
            fields.setdefault(_ID3_TEXT[frame_id], []).extend(str(t) for t in frame.text)
        elif frame_id == "TCON":
            fields.setdefault("genre", []).extend(frame.genres)
        elif frame_id == "TXXX":
            name = _ID3_TXXX.get(frame.desc.lower())
            if name is not None:
                fields.setdefault(name, []).extend(str(t) for t in frame.text)
        elif frame_id == "UFID" and frame.owner == "http://musicbrainz.org":
            fields["mb_recording"] = [frame.data.decode("ascii", "replace")]
        elif frame_id == "APIC":
            cover = True
    return fields, cover


_MP4_ATOMS = {
    "\xa9nam": "title",
    "\xa9ART": "artist",
    "\xa9alb": "album",
    "aART": "albumartist",
    "\xa9day": "date",
    "\xa9gen": "genre",
}

_MP4_FREEFORM = {
    "musicbrainz track id": "mb_recording",
    "musicbrainz release track id": "mb_track",
    "musicbrainz album id": "mb_album",
    "musicbrainz artist id": "mb_artist",
    "musicbrainz album artist id": "mb_albumartist",
    "replaygain_track_gain": "rg_track_gain",
    "replaygain_track_peak": "rg_track_peak",
    "replaygain_album_gain": "rg_album_gain",
    "replaygain_album_peak": "rg_album_peak",
    "label": "label",
    "publisher": "publisher",
    "artists": "artists",
}


def _mp4_fields(tags: mutagen.mp4.MP4Tags) -> tuple[_Fields, bool]:
    fields: _Fields = {}
    cover = False
    for key, values in tags.items():
        if key in _MP4_ATOMS:
            fields.setdefault(_MP4_ATOMS[key], []).extend(str(v) for v in values)
        elif key == "cpil":
            fields["compilation"] = ["1" if values else "0"]
        elif key in ("trkn", "disk") and values:
            number, total = values[0]
            pair_name = "tracknumber" if key == "trkn" else "discnumber"
            fields[pair_name] = [f"{number}/{total}" if total else str(number)]
        elif key == "covr":
            cover = bool(values)
        elif key.startswith("----:"):
            name = _MP4_FREEFORM.get(key.rsplit(":", 1)[-1].lower())
            if name is not None:
                fields.setdefault(name, []).extend(
                    bytes(v).decode("utf-8", "replace") for v in values
                )
    return fields, cover


def _generic_fields(tags: Any) -> tuple[_Fields, bool]:
    """APEv2 and other key/value tags: treat keys like Vorbis comment names."""
    pairs: list[tuple[str, str]] = []
    try:
        for key in tags:
            value = tags[key]
            texts = list(value) if isinstance(value, list) else str(value).split("\x00")
            pairs.extend((str(key), str(text)) for text in texts)
    except Exception:
        return {}, False
    return _vorbis_fields(pairs)


# --- normalized fields -> ScannedTrack -----------------------------------


def _to_track(fields: _Fields, *, root: str, relpath: str, **facts: Any) -> ScannedTrack:
    title = _first(fields, "title") or _file_stem(relpath)
    artists = _values(fields, "artist") or _values(fields, "artists")
    track_number, track_total = _number_pair(_first(fields, "tracknumber"))
    disc_number, _ = _number_pair(_first(fields, "discnumber"))
    del track_total  # not stored; parsed to accept "3/12"
    return ScannedTrack(
        root=root,
        relpath=relpath,
        title=title,
        artists=artists,
        album=_first(fields, "album"),
        album_artist=_first(fields, "albumartist"),
        compilation=_truthy(_first(fields, "compilation")),
        track_number=track_number,
        disc_number=disc_number,
        year=_year(
            _first(fields, "date") or _first(fields, "year") or _first(fields, "originaldate")
        ),
        genres=_split_genres(_values(fields, "genre")),
        label=_first(fields, "label")
        or _first(fields, "organization")
        or _first(fields, "publisher"),
        musicbrainz_recording_id=_first(fields, "mb_recording"),
        musicbrainz_track_id=_first(fields, "mb_track"),
        musicbrainz_album_id=_first(fields, "mb_album"),
        musicbrainz_artist_id=_first(fields, "mb_artist"),
        musicbrainz_album_artist_id=_first(fields, "mb_albumartist"),
        replaygain_track_gain=_decimal(_first(fields, "rg_track_gain")),
        replaygain_track_peak=_decimal(_first(fields, "rg_track_peak")),
        replaygain_album_gain=_decimal(_first(fields, "rg_album_gain")),
        replaygain_album_peak=_decimal(_first(fields, "rg_album_peak")),
        **facts,
    )


def _file_stem(relpath: str) -> str:
    name = relpath.rpartition("/")[2]
    return name[: len(name) - len(extension(name))] or name


def _values(fields: _Fields, name: str) -> list[str]:
    seen: dict[str, None] = {}
    for value in fields.get(name, ()):
        text = value.replace("\x00", "").strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _first(fields: _Fields, name: str) -> str | None:
    values = _values(fields, name)
    return values[0] if values else None


def _split_genres(values: list[str]) -> list[str]:
    genres: dict[str, None] = {}
    for value in values:
        for part in value.split(";"):
            if part.strip():
                genres.setdefault(part.strip(), None)
    return list(genres)


_LEADING_INT = re.compile(r"\s*(\d+)")
_YEAR = re.compile(r"\s*(\d{4})")
_DECIMAL = re.compile(r"\s*([-+]?\d+(?:[.,]\d+)?)")


def _number_pair(text: str | None) -> tuple[int | None, int | None]:
    """'3/12' -> (3, 12); '03' -> (3, None); junk -> (None, None)."""
    if not text:
        return None, None
    number, _, total = text.partition("/")
    first = _LEADING_INT.match(number)
    second = _LEADING_INT.match(total)
    return (
        int(first.group(1)) if first else None,
        int(second.group(1)) if second else None,
    )


def _year(text: str | None) -> int | None:
    match = _YEAR.match(text) if text else None
    return int(match.group(1)) if match else None


def _decimal(text: str | None) -> float | None:
    """'-6.5 dB' -> -6.5."""
    match = _DECIMAL.match(text) if text else None
    return float(match.group(1).replace(",", ".")) if match else None


def _truthy(text: str | None) -> bool:
    return text is not None and text.strip().lower() in ("1", "true", "yes")
