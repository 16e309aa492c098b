"""Real audio for the fingerprint tests: distinct synthesized songs, re-encoded and shifted.

Each song is a melody whose notes, rhythm and pink-noise bed depend on its
seed, so different seeds give different fingerprints (not just different
tags). ffmpeg makes everything; nothing is mocked.
"""

from __future__ import annotations

from pathlib import Path

from segue_transcoder.ffmpeg import run_ffmpeg

SONG_SECONDS = 20


def song_source(seed: int, seconds: int = SONG_SECONDS) -> list[str]:
    """ffmpeg input arguments for song ``seed`` (lavfi: melody plus seeded noise)."""
    steps = 3 + seed % 5  # notes per second
    scale = 5 + seed % 7  # how many semitones the melody walks over
    base = 180 + 23 * seed
    melody = (
        f"0.4*sin(2*PI*t*{base}*pow(2\\,floor(mod(t*{steps}*(1+mod(floor(t)\\,3))\\,{scale}))/12))"
        f"+0.2*sin(2*PI*t*{base * 1.5:.1f}*(1+0.25*floor(mod(t*{1 + seed % 3}\\,4))))"
    )
    return [
        "-f",
        "lavfi",
        "-i",
        f"aevalsrc=exprs='{melody}':s=22050:d={seconds}",
        "-f",
        "lavfi",
        "-i",
        f"anoisesrc=d={seconds}:seed={seed}:color=pink:a=0.1:r=22050",
        "-filter_complex",
        "amix=inputs=2:normalize=0",
    ]


def tags(title: str, artist: str, album: str | None = None, track: int | None = None) -> list[str]:
    args = ["-metadata", f"title={title}", "-metadata", f"artist={artist}"]
    if album:
        args += ["-metadata", f"album={album}"]
    if track:
        args += ["-metadata", f"track={track}"]
    return args


async def write_song(target: Path, seed: int, codec: list[str], metadata: list[str]) -> Path:
    """Synthesize song ``seed`` straight into ``target`` with the given encoder arguments."""
    target.parent.mkdir(parents=True, exist_ok=True)
    await run_ffmpeg([*song_source(seed), "-ac", "2", *codec, *metadata, target])
    return target


async def reencode(
    source: Path, target: Path, codec: list[str], metadata: list[str], *, skip_seconds: float = 0
) -> Path:
    """Re-encode ``source`` (optionally without its first ``skip_seconds``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    start = ["-ss", str(skip_seconds)] if skip_seconds else []
    await run_ffmpeg([*start, "-i", source, "-map_metadata", "-1", *codec, *metadata, target])
    return target


def corrupt_copy(source: Path, target: Path, keep_bytes: int = 3000) -> Path:
    """A file whose header still reads (tags, duration) but whose audio is zeros."""
    data = source.read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data[:keep_bytes] + bytes(len(data) - keep_bytes))
    return target


FLAC = ["-c:a", "flac"]
MP3_128 = ["-c:a", "libmp3lame", "-b:a", "128k"]
MP3_192 = ["-c:a", "libmp3lame", "-b:a", "192k"]
OGG = ["-c:a", "libvorbis", "-q:a", "4"]
