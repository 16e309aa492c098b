"""Content-Type of audio files (from their extension and codec) and of images (from their bytes)."""

from __future__ import annotations

from pathlib import PurePosixPath

OPUS = "audio/ogg; codecs=opus"

_BY_EXTENSION = {
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": OPUS,
    ".m4a": "audio/mp4",
    ".m4b": "audio/mp4",
    ".mp4": "audio/mp4",
    ".alac": "audio/mp4",
    ".aac": "audio/aac",
    ".wav": "audio/wav",
    ".aif": "audio/aiff",
    ".aiff": "audio/aiff",
    ".wv": "audio/x-wavpack",
    ".ape": "audio/x-ape",
    ".mpc": "audio/x-musepack",
}
_BY_CODEC = {
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "vorbis": "audio/ogg",
    "opus": OPUS,
    "aac": "audio/mp4",
    "alac": "audio/mp4",
    "pcm": "audio/wav",
}
FALLBACK = "application/octet-stream"


def audio_media_type(relpath: str, codec: str | None = None) -> str:
    """The Content-Type for an audio file: Ogg holding Opus says so, as browsers need it."""
    suffix = PurePosixPath(relpath).suffix.lower()
    by_extension = _BY_EXTENSION.get(suffix)
    if by_extension == "audio/ogg" and codec == "opus":
        return OPUS
    return by_extension or _BY_CODEC.get((codec or "").lower(), FALLBACK)


def image_media_type(data: bytes, declared: str | None = None) -> str:
    """The Content-Type of image bytes, from their magic numbers; else ``declared`` if it
    names an image type."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if declared and declared.startswith("image/"):
        return declared
    return FALLBACK
