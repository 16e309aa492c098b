"""A small demo library of real, synthesized audio with full tags and covers.

Used by ``segue demo``, ``make run`` and the test suite's fixtures. Audio comes
from ffmpeg's lavfi sources (sines, chords, noise), tags are written with
mutagen. Every file is written under a hidden temporary name and renamed when
complete, and existing files are left alone, so re-running is harmless.
"""

# mutagen is only partly annotated: its calls are untyped by nature.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import msgspec
import mutagen.flac
import mutagen.id3
import mutagen.mp4
import mutagen.oggopus
import mutagen.oggvorbis
import mutagen.wave

from segue_transcoder.ffmpeg import run_ffmpeg

DEMO_FORMATS = ("flac", "mp3", "ogg", "opus", "m4a", "wav")
_NAMESPACE = uuid.UUID("5e9e0000-0000-4000-8000-000000000000")
_ENCODERS: dict[str, list[str]] = {
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "1"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "3"],
    "opus": ["-c:a", "libopus", "-b:a", "96k"],
    "m4a": ["-c:a", "aac", "-b:a", "128k"],
    "wav": ["-c:a", "pcm_s16le"],
}


class DemoSummary(msgspec.Struct, kw_only=True):
    """What ``write_demo_library`` produced."""

    root: str
    tracks: int
    """Audio files in the demo library (written now or already there)."""
    written: int
    """Audio files written by this call (0 when the library was complete)."""
    albums: int
    artists: list[str]
    formats: dict[str, int]
    """File extension -> number of files."""
    files: list[str]
    """relpaths of the audio files, POSIX separators."""
    covers: list[str]
    """relpaths of folder cover images."""


@dataclass(frozen=True)
class _Album:
    artist: str
    title: str
    year: int
    genre: str
    label: str
    fmt: str
    cover: str  # "folder", "embedded", "both" or "none"
    songs: tuple[str, ...]
    guests: tuple[str, ...] = ()
    """Compilations: one artist per song."""
    compilation: bool = False
    musicbrainz: bool = False
    replaygain: bool = False
    sound: str = "sine"  # "sine", "chord" or "noise"
    folder: str = ""
    """Folder name when it differs from the title (the second format of an album)."""


# Ordered by who gets a second track first when the library is small: the
# compilation (several artists) and both formats of "Nordlys".
_ALBUMS: tuple[_Album, ...] = (
    _Album(
        artist="Zoë Ångström",
        title="Nordlys",
        year=2021,
        genre="Ambient",
        label="Fjord Records",
        fmt="flac",
        cover="folder",
        songs=("Aurora", "Polar Night", "Snøfall", "Midnight Sun"),
        musicbrainz=True,
        replaygain=True,
        sound="chord",
    ),
    _Album(
        artist="Various Artists",
        title="Sine Waves, Vol. 1",
        year=2020,
        genre="Electronic",
        label="Compilations Inc.",
        fmt="flac",
        cover="folder",
        songs=("Opening Hum", "Second Harmonic", "Beat Frequency", "Closing Drone"),
        guests=("Zoë Ångström", "DJ Ñandú", "Mötörhead Ünited", "Sigur Sín"),
        compilation=True,
    ),
    _Album(
        artist="Zoë Ångström",
        title="Nordlys",
        year=2021,
        genre="Ambient",
        label="Fjord Records",
        fmt="mp3",
        cover="embedded",
        songs=("Aurora", "Polar Night", "Snøfall", "Midnight Sun"),
        musicbrainz=True,
        replaygain=True,
        sound="chord",
        folder="Nordlys [MP3]",
    ),
    _Album(
        artist="Mötörhead Ünited",
        title="Lärm & Ruhe",
        year=2019,
        genre="Rock",
        label="Umlaut Industries",
        fmt="mp3",
        cover="embedded",
        songs=("Überdrive", "Kopf hoch", "Stille Nacht?", "Ende"),
        replaygain=True,
    ),
    _Album(
        artist="AB/CD",
        title="High Voltage Sine",
        year=2015,
        genre="Electronic",
        label="Oscillator Ltd.",
        fmt="ogg",
        cover="both",
        songs=("Thunder Tone", "440 Hz to Hell", "Back in Sine"),
    ),
    _Album(
        artist="Øresund Quartet",
        title="Tidal Waves",
        year=2023,
        genre="Classical",
        label="Brobygger",
        fmt="opus",
        cover="embedded",
        songs=("Ebb", "Flow", "Undertow"),
        musicbrainz=True,
        sound="chord",
    ),
    _Album(
        artist="Les Échos",
        title="Café Noir",
        year=2008,
        genre="Jazz",
        label="Rive Gauche",
        fmt="m4a",
        cover="embedded",
        songs=("Crème Brûlée", "Ça va", "Déjà vu"),
        replaygain=True,
    ),
    _Album(
        artist="Field & Static",
        title="Recordings 1",
        year=2012,
        genre="Noise",
        label="Hiss Tapes",
        fmt="wav",
        cover="none",
        songs=("Pink Noise", "untagged field recording"),
        sound="noise",
    ),
)


@dataclass
class _TrackPlan:
    album: _Album
    number: int
    total: int
    relpath: str
    frequency: float
    seconds: float
    title: str
    artist: str
    tagged: bool = True
    cover_bytes: bytes | None = field(default=None, repr=False)


async def write_demo_library(
    target: Path, *, tracks: int = 24, max_seconds: float | None = None
) -> DemoSummary:
    """Write (or complete) a demo library of ``tracks`` audio files under ``target``.

    Tracks last 15-40 s (``max_seconds`` caps them, for fast tests). Existing
    files are kept as they are.
    """
    if tracks < 1:
        raise ValueError(f"tracks must be at least 1, got {tracks}")
    target = Path(target)
    plans = _plan(tracks, max_seconds)
    await anyio.to_thread.run_sync(lambda: target.mkdir(parents=True, exist_ok=True))
    covers = await _write_covers(target, plans)
    written = 0
    limiter = anyio.CapacityLimiter(2)

    async def make(plan: _TrackPlan) -> None:
        nonlocal written
        async with limiter:
            if await _write_track(target, plan, covers):
                written += 1

    async with anyio.create_task_group() as tg:
        for plan in plans:
            tg.start_soon(make, plan)
    formats: dict[str, int] = {}
    for plan in plans:
        formats[plan.album.fmt] = formats.get(plan.album.fmt, 0) + 1
    return DemoSummary(
        root=str(target),
        tracks=len(plans),
        written=written,
        albums=len({(p.album.artist, p.album.title) for p in plans}),
        artists=sorted({p.artist for p in plans} | {p.album.artist for p in plans}),
        formats=formats,
        files=[p.relpath for p in plans],
        covers=sorted(rel for rel, _ in covers.values() if rel),
    )


def _safe(name: str) -> str:
    """A name usable as one path segment (slashes would make folders)."""
    return name.replace("/", "_").strip() or "_"


def _plan(tracks: int, max_seconds: float | None) -> list[_TrackPlan]:
    """Spread ``tracks`` over the albums: every album gets one before any gets two."""
    counts = [0] * len(_ALBUMS)
    for i in range(tracks):
        # Cycle over albums, skipping those that have used all their songs.
        for step in range(len(_ALBUMS)):
            index = (i + step) % len(_ALBUMS)
            if counts[index] < len(_ALBUMS[index].songs):
                counts[index] += 1
                break
        else:
            counts[i % len(_ALBUMS)] += 1  # more than the songs: reuse titles with a suffix
    plans: list[_TrackPlan] = []
    for index, (album, count) in enumerate(zip(_ALBUMS, counts, strict=True)):
        folder = f"{_safe(album.artist)}/{_safe(album.folder or album.title)} ({album.year})"
        for n in range(1, count + 1):
            song = album.songs[(n - 1) % len(album.songs)]
            if n > len(album.songs):
                song = f"{song} (take {(n - 1) // len(album.songs) + 1})"
            artist = album.guests[(n - 1) % len(album.guests)] if album.guests else album.artist
            name = f"{n:02d} - {_safe(artist)} - {_safe(song)}" if album.compilation else None
            name = name or f"{n:02d} - {_safe(song)}"
            seconds = float(15 + (index * 7 + n * 5) % 26)
            if max_seconds is not None:
                seconds = min(seconds, max_seconds)
            untagged = album.fmt == "wav" and n % 2 == 0
            plans.append(
                _TrackPlan(
                    album=album,
                    number=n,
                    total=count,
                    relpath=f"{folder}/{song if untagged else name}.{album.fmt}",
                    frequency=110.0 * (1 + index) + 55.0 * n,
                    seconds=seconds,
                    title=song,
                    artist=artist,
                    tagged=not untagged,
                )
            )
    return plans


# --- covers -------------------------------------------------------------


async def _write_covers(
    target: Path, plans: list[_TrackPlan]
) -> dict[tuple[str, str, str], tuple[str | None, bytes | None]]:
    """One JPEG per album, as folder cover.jpg and/or to embed; key: (artist, title, fmt).

    Images are made only when something still needs them, so that a complete
    library is left untouched.
    """
    covers: dict[tuple[str, str, str], tuple[str | None, bytes | None]] = {}
    for index, album in enumerate(_ALBUMS):
        album_plans = [p for p in plans if p.album is album]
        if album.cover == "none" or not album_plans:
            continue
        folder = album_plans[0].relpath.rsplit("/", 1)[0]
        in_folder = album.cover in ("folder", "both")
        image = anyio.Path(target / folder / "cover.jpg")
        need_folder = in_folder and not await image.exists()
        need_embed = album.cover in ("embedded", "both") and not all(
            [await anyio.Path(target / p.relpath).exists() for p in album_plans]
        )
        data: bytes | None = None
        if need_folder or need_embed:
            data = await _cover_image(index)
        if need_folder and data is not None:
            await image.parent.mkdir(parents=True, exist_ok=True)
            temp = image.with_name(".cover.tmp.jpg")
            await temp.write_bytes(data)
            await temp.rename(image)
        key = (album.artist, album.title, album.fmt)
        covers[key] = (f"{folder}/cover.jpg" if in_folder else None, data)
    return covers


async def _cover_image(index: int) -> bytes:
    """A 320x320 JPEG test pattern, its hue depending on ``index``."""
    return await run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=320x320:rate=1,hue=h={index * 45}",
            "-frames:v",
            "1",
            "-q:v",
            "4",
            "-f",
            "image2pipe",
            "-c:v",
            "mjpeg",
            "-",
        ]
    )


# --- audio ----------------------------------------------------------------


def _source(plan: _TrackPlan) -> str:
    f, d = plan.frequency, plan.seconds
    if plan.album.sound == "noise":
        return f"anoisesrc=d={d}:c=pink:r=44100:a=0.15:seed={plan.number}"
    if plan.album.sound == "chord":
        # A major triad, slightly detuned between channels for width.
        left = f"0.2*sin(2*PI*{f}*t)+0.15*sin(2*PI*{f * 1.26}*t)+0.12*sin(2*PI*{f * 1.5}*t)"
        right = (
            f"0.2*sin(2*PI*{f * 1.002}*t)+0.15*sin(2*PI*{f * 1.26}*t)+0.12*sin(2*PI*{f * 1.498}*t)"
        )
        return f"aevalsrc=exprs={left}|{right}:s=44100:d={d}"
    return f"sine=frequency={f}:duration={d}:sample_rate=44100"


async def _write_track(
    target: Path,
    plan: _TrackPlan,
    covers: dict[tuple[str, str, str], tuple[str | None, bytes | None]],
) -> bool:
    final = target / plan.relpath
    if await anyio.Path(final).exists():
        return False
    await anyio.Path(final.parent).mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.stem[:40]}.tmp.{plan.album.fmt}")
    fade = max(plan.seconds - 1.5, 0.0)
    await run_ffmpeg(
        [
            "-y",
            "-f",
            "lavfi",
            "-i",
            _source(plan),
            "-af",
            f"afade=t=in:d=1,afade=t=out:st={fade}:d=1.5",
            "-ac",
            "2",
            "-map_metadata",
            "-1",
            *_ENCODERS[plan.album.fmt],
            str(temp),
        ]
    )
    album = plan.album
    cover = covers.get((album.artist, album.title, album.fmt))
    embed = cover[1] if cover and album.cover in ("embedded", "both") else None
    if plan.tagged:
        await anyio.to_thread.run_sync(_tag, temp, plan, embed)
    await anyio.Path(temp).rename(final)
    return True


# --- tags -----------------------------------------------------------------


def _mbid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def _tag_values(plan: _TrackPlan) -> dict[str, str]:
    """The demo's tags under Vorbis comment names; other formats map from these."""
    album = plan.album
    values = {
        "title": plan.title,
        "artist": plan.artist,
        "album": album.title,
        "albumartist": album.artist,
        "tracknumber": f"{plan.number}/{plan.total}",
        "discnumber": "1/1",
        "date": f"{album.year}-05-01",
        "genre": album.genre,
        "label": album.label,
    }
    if album.compilation:
        values["compilation"] = "1"
    if album.musicbrainz:
        values["musicbrainz_trackid"] = _mbid("recording", album.title, plan.title)
        values["musicbrainz_releasetrackid"] = _mbid("track", album.title, plan.title)
        # Both formats of an album are rips of one release: one album in the catalog.
        values["musicbrainz_albumid"] = _mbid("release", album.title)
        values["musicbrainz_artistid"] = _mbid("artist", plan.artist)
        values["musicbrainz_albumartistid"] = _mbid("artist", album.artist)
    if album.replaygain:
        values["replaygain_track_gain"] = f"{-4.0 - plan.number * 0.75:.2f} dB"
        values["replaygain_track_peak"] = f"{0.9 - plan.number * 0.01:.6f}"
        values["replaygain_album_gain"] = "-6.50 dB"
        values["replaygain_album_peak"] = "0.988000"
    return values


def _tag(path: Path, plan: _TrackPlan, cover: bytes | None) -> None:
    values = _tag_values(plan)
    fmt = plan.album.fmt
    if fmt in ("flac", "ogg", "opus"):
        _tag_vorbis(path, fmt, values, cover)
    elif fmt in ("mp3", "wav"):
        _tag_id3(path, fmt, values, cover)
    elif fmt == "m4a":
        _tag_mp4(path, values, cover)


def _flac_picture(cover: bytes) -> mutagen.flac.Picture:
    picture = mutagen.flac.Picture()
    picture.type = 3  # front cover
    picture.mime = "image/jpeg"
    picture.desc = "Front cover"
    picture.data = cover
    return picture


def _tag_vorbis(path: Path, fmt: str, values: dict[str, str], cover: bytes | None) -> None:
    kinds = {
        "flac": mutagen.flac.FLAC,
        "ogg": mutagen.oggvorbis.OggVorbis,
        "opus": mutagen.oggopus.OggOpus,
    }
    audio: Any = kinds[fmt](path)
    if audio.tags is None:
        audio.add_tags()
    for key, value in values.items():
        audio[key] = [value]
    if cover is not None:
        if fmt == "flac":
            audio.add_picture(_flac_picture(cover))
        else:
            encoded = base64.b64encode(_flac_picture(cover).write()).decode("ascii")
            audio["metadata_block_picture"] = [encoded]
    audio.save()


_ID3_TXXX = {
    "musicbrainz_releasetrackid": "MusicBrainz Release Track Id",
    "musicbrainz_albumid": "MusicBrainz Album Id",
    "musicbrainz_artistid": "MusicBrainz Artist Id",
    "musicbrainz_albumartistid": "MusicBrainz Album Artist Id",
    "replaygain_track_gain": "REPLAYGAIN_TRACK_GAIN",
    "replaygain_track_peak": "REPLAYGAIN_TRACK_PEAK",
    "replaygain_album_gain": "REPLAYGAIN_ALBUM_GAIN",
    "replaygain_album_peak": "REPLAYGAIN_ALBUM_PEAK",
}
_ID3_TEXT = {
    "title": mutagen.id3.TIT2,
    "artist": mutagen.id3.TPE1,
    "album": mutagen.id3.TALB,
    "albumartist": mutagen.id3.TPE2,
    "tracknumber": mutagen.id3.TRCK,
    "discnumber": mutagen.id3.TPOS,
    "date": mutagen.id3.TDRC,
    "genre": mutagen.id3.TCON,
    "label": mutagen.id3.TPUB,
    "compilation": mutagen.id3.TCMP,
}


def _tag_id3(path: Path, fmt: str, values: dict[str, str], cover: bytes | None) -> None:
    audio: Any = mutagen.wave.WAVE(path) if fmt == "wav" else mutagen.File(path)
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    for key, value in values.items():
        if key in _ID3_TEXT:
            tags.add(_ID3_TEXT[key](encoding=3, text=[value]))
        elif key in _ID3_TXXX:
            tags.add(mutagen.id3.TXXX(encoding=3, desc=_ID3_TXXX[key], text=[value]))
        elif key == "musicbrainz_trackid":
            tags.add(mutagen.id3.UFID(owner="http://musicbrainz.org", data=value.encode()))
    if cover is not None:
        tags.add(
            mutagen.id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="Front cover", data=cover)
        )
    audio.save()


_MP4_ATOMS = {
    "title": "\xa9nam",
    "artist": "\xa9ART",
    "album": "\xa9alb",
    "albumartist": "aART",
    "date": "\xa9day",
    "genre": "\xa9gen",
}
_MP4_FREEFORM = {
    "label": "LABEL",
    "musicbrainz_trackid": "MusicBrainz Track Id",
    "musicbrainz_releasetrackid": "MusicBrainz Release Track Id",
    "musicbrainz_albumid": "MusicBrainz Album Id",
    "musicbrainz_artistid": "MusicBrainz Artist Id",
    "musicbrainz_albumartistid": "MusicBrainz Album Artist Id",
    "replaygain_track_gain": "replaygain_track_gain",
    "replaygain_track_peak": "replaygain_track_peak",
    "replaygain_album_gain": "replaygain_album_gain",
    "replaygain_album_peak": "replaygain_album_peak",
}


def _mp4_pair(text: str) -> tuple[int, int]:
    number, _, total = text.partition("/")
    return int(number), int(total or 0)


def _tag_mp4(path: Path, values: dict[str, str], cover: bytes | None) -> None:
    audio: Any = mutagen.mp4.MP4(path)
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    for key, value in values.items():
        if key in _MP4_ATOMS:
            tags[_MP4_ATOMS[key]] = [value]
        elif key in _MP4_FREEFORM:
            tags[f"----:com.apple.iTunes:{_MP4_FREEFORM[key]}"] = [
                mutagen.mp4.MP4FreeForm(value.encode("utf-8"))
            ]
    tags["trkn"] = [_mp4_pair(values["tracknumber"])]
    tags["disk"] = [_mp4_pair(values["discnumber"])]
    if "compilation" in values:
        tags["cpil"] = True
    if cover is not None:
        tags["covr"] = [mutagen.mp4.MP4Cover(cover, imageformat=mutagen.mp4.MP4Cover.FORMAT_JPEG)]
    audio.save()
