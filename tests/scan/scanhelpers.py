"""Helpers of the scan tests: tag writing (independent of the demo's), configs, contexts."""

from __future__ import annotations

import base64
import shutil
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import mutagen
import mutagen.flac
import mutagen.id3
import mutagen.mp4
import mutagen.wave

import segue
from segue.context import ProcessRole, SegueContext
from segue.models import Track
from segue.runtime import open_context

ENCODERS: dict[str, list[str]] = {
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "96k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "2"],
    "opus": ["-c:a", "libopus", "-b:a", "64k"],
    "m4a": ["-c:a", "aac", "-b:a", "96k"],
    "wav": ["-c:a", "pcm_s16le"],
}

# What write_full_tags writes, as read back into a ScannedTrack.
FULL_TAGS: dict[str, Any] = {
    "title": "Tïtle: the Sóng",
    "artists": ["Ärtist One", "Artist Two"],
    "album": "Albüm",
    "album_artist": "Various Artists",
    "compilation": True,
    "track_number": 3,
    "disc_number": 2,
    "year": 2021,
    "genres": ["Rock", "Jazz"],
    "label": "Läbel Records",
    "musicbrainz_recording_id": "11111111-1111-4111-8111-111111111111",
    "musicbrainz_track_id": "22222222-2222-4222-8222-222222222222",
    "musicbrainz_album_id": "33333333-3333-4333-8333-333333333333",
    "musicbrainz_artist_id": "44444444-4444-4444-8444-444444444444",
    "musicbrainz_album_artist_id": "55555555-5555-4555-8555-555555555555",
    "replaygain_track_gain": -6.5,
    "replaygain_track_peak": 0.98,
    "replaygain_album_gain": -7.25,
    "replaygain_album_peak": 1.0,
    "has_embedded_cover": True,
}

# Which label field each format's test uses, to cover every spelling.
VORBIS_LABEL_KEY = {"flac": "LABEL", "ogg": "ORGANIZATION", "opus": "LABEL"}


def copy_template(template: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return target


def write_full_tags(path: Path, cover: bytes) -> None:
    """Write FULL_TAGS in the format's own tag system, as taggers like Picard do."""
    ext = path.suffix.lstrip(".")
    t = FULL_TAGS
    if ext in ("flac", "ogg", "opus"):
        audio: Any = mutagen.File(path)
        values = {
            "TITLE": [t["title"]],
            "ARTIST": t["artists"],
            "ALBUM": [t["album"]],
            "ALBUMARTIST": [t["album_artist"]],
            "COMPILATION": ["1"],
            "TRACKNUMBER": ["3/12"],
            "DISCNUMBER": ["2"],
            "DATE": ["2021-05-01"],
            "GENRE": t["genres"],
            VORBIS_LABEL_KEY[ext]: [t["label"]],
            "MUSICBRAINZ_TRACKID": [t["musicbrainz_recording_id"]],
            "MUSICBRAINZ_RELEASETRACKID": [t["musicbrainz_track_id"]],
            "MUSICBRAINZ_ALBUMID": [t["musicbrainz_album_id"]],
            "MUSICBRAINZ_ARTISTID": [t["musicbrainz_artist_id"]],
            "MUSICBRAINZ_ALBUMARTISTID": [t["musicbrainz_album_artist_id"]],
            "REPLAYGAIN_TRACK_GAIN": ["-6.50 dB"],
            "REPLAYGAIN_TRACK_PEAK": ["0.980000"],
            "REPLAYGAIN_ALBUM_GAIN": ["-7.25 dB"],
            "REPLAYGAIN_ALBUM_PEAK": ["1.000000"],
        }
        for key, value in values.items():
            audio[key] = value
        picture = mutagen.flac.Picture()
        picture.type, picture.mime, picture.data = 3, "image/jpeg", cover
        if ext == "flac":
            audio.add_picture(picture)
        else:
            audio["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode()]
        audio.save()
    elif ext in ("mp3", "wav"):
        audio = mutagen.wave.WAVE(path) if ext == "wav" else mutagen.File(path)
        if audio.tags is None:
            audio.add_tags()
        id3 = mutagen.id3
        frames = [
            id3.TIT2(encoding=3, text=[t["title"]]),
            id3.TPE1(encoding=3, text=t["artists"]),
            id3.TALB(encoding=3, text=[t["album"]]),
            id3.TPE2(encoding=3, text=[t["album_artist"]]),
            id3.TCMP(encoding=3, text=["1"]),
            id3.TRCK(encoding=3, text=["3/12"]),
            id3.TPOS(encoding=3, text=["2/2"]),
            id3.TDRC(encoding=3, text=["2021-05-01"]),
            id3.TCON(encoding=3, text=t["genres"]),
            id3.TPUB(encoding=3, text=[t["label"]]),
            id3.UFID(owner="http://musicbrainz.org", data=t["musicbrainz_recording_id"].encode()),
            id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=cover),
        ]
        txxx = {
            "MusicBrainz Release Track Id": t["musicbrainz_track_id"],
            "MusicBrainz Album Id": t["musicbrainz_album_id"],
            "MusicBrainz Artist Id": t["musicbrainz_artist_id"],
            "MusicBrainz Album Artist Id": t["musicbrainz_album_artist_id"],
            "replaygain_track_gain": "-6.50 dB",
            "replaygain_track_peak": "0.980000",
            "REPLAYGAIN_ALBUM_GAIN": "-7.25 dB",
            "REPLAYGAIN_ALBUM_PEAK": "1.000000",
        }
        frames += [id3.TXXX(encoding=3, desc=d, text=[v]) for d, v in txxx.items()]
        for frame in frames:
            audio.tags.add(frame)
        audio.save()
    elif ext == "m4a":
        audio = mutagen.mp4.MP4(path)
        if audio.tags is None:
            audio.add_tags()
        tags = audio.tags
        tags["\xa9nam"] = [t["title"]]
        tags["\xa9ART"] = t["artists"]
        tags["\xa9alb"] = [t["album"]]
        tags["aART"] = [t["album_artist"]]
        tags["cpil"] = True
        tags["trkn"] = [(3, 12)]
        tags["disk"] = [(2, 2)]
        tags["\xa9day"] = ["2021-05-01"]
        tags["\xa9gen"] = t["genres"]
        freeform = {
            "LABEL": t["label"],
            "MusicBrainz Track Id": t["musicbrainz_recording_id"],
            "MusicBrainz Release Track Id": t["musicbrainz_track_id"],
            "MusicBrainz Album Id": t["musicbrainz_album_id"],
            "MusicBrainz Artist Id": t["musicbrainz_artist_id"],
            "MusicBrainz Album Artist Id": t["musicbrainz_album_artist_id"],
            "replaygain_track_gain": "-6.50 dB",
            "replaygain_track_peak": "0.980000",
            "replaygain_album_gain": "-7.25 dB",
            "replaygain_album_peak": "1.000000",
        }
        for name, value in freeform.items():
            tags[f"----:com.apple.iTunes:{name}"] = [mutagen.mp4.MP4FreeForm(value.encode())]
        tags["covr"] = [mutagen.mp4.MP4Cover(cover, imageformat=mutagen.mp4.MP4Cover.FORMAT_JPEG)]
        audio.save()
    else:
        raise ValueError(f"no tag writer for {path}")


def write_simple_tags(path: Path, *, title: str, artist: str, album: str | None = None) -> None:
    """Title, artist and album through mutagen's easy interfaces (any format but WAV)."""
    audio: Any = mutagen.File(path, easy=True)
    if audio.tags is None:
        audio.add_tags()
    audio["title"] = [title]
    audio["artist"] = [artist]
    if album:
        audio["album"] = [album]
    audio.save()


def config_toml(
    data_dir: Path, libraries: Iterable[Path], *, scan_on_startup: bool = False, extra: str = ""
) -> str:
    paths = ", ".join(f'"{p}"' for p in libraries)
    return (
        f'[server]\ndata_dir = "{data_dir}"\n\n'
        f"[library]\npaths = [{paths}]\nscan_on_startup = {str(scan_on_startup).lower()}\n"
        "scan_workers = 2\n\n"
        "[events]\nrun_consumers_in_server = false\n\n"
        f"{extra}"
    )


def write_config(home: Path, libraries: Iterable[Path], **kwargs: Any) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "segue.toml"
    path.write_text(config_toml(home / "data", libraries, **kwargs), encoding="utf-8")
    return path


@asynccontextmanager
async def scan_context(
    home: Path,
    libraries: Sequence[Path],
    *,
    extra_plugins: Iterable[tuple[str, object]] = (),
    role: ProcessRole = "cli",
    scan_on_startup: bool = False,
) -> AsyncIterator[SegueContext]:
    """A running Segue (real sqlite catalog) over ``libraries``, data under ``home``."""
    config = write_config(home, libraries, scan_on_startup=scan_on_startup)
    async with open_context(config, extra_plugins=extra_plugins, role=role) as context:
        yield context


async def all_tracks(context: SegueContext) -> list[Track]:
    """Every track the catalog lists (missing ones are hidden by the catalog)."""
    from segue.models import ListQuery

    page = await context.catalog.list_tracks(ListQuery(limit=1000, sort="title"))
    return page.items


class Recorder:
    """A tiny plugin that records the catalog notifications it receives."""

    def __init__(self) -> None:
        self.added: list[Track] = []
        self.changed: list[Track] = []
        self.removed: list[str] = []
        self.started = 0

    @segue.hookimpl
    def catalog_tracks_added(self, tracks: Sequence[Track]) -> None:
        self.added += tracks

    @segue.hookimpl
    async def catalog_tracks_changed(self, tracks: Sequence[Track]) -> None:
        self.changed += tracks

    @segue.hookimpl
    def catalog_tracks_removed(self, track_ids: Sequence[str]) -> None:
        self.removed += track_ids
