"""The rendition ladder: which encodings exist, and which one a request gets.

A *step* is one rendition of every track (codec, bitrate, channels, sample
rate), named by its ``format`` (``ogg`` or ``opus``, the query parameter) and
its ``quality`` tier (``low``, ``normal``, ``high``, ``very_high``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

import msgspec

Quality = Literal["low", "normal", "high", "very_high"]
QUALITIES: tuple[Quality, ...] = ("low", "normal", "high", "very_high")
"""Tiers from the smallest to the largest."""
AUTO = "auto"

CODECS = {"vorbis": "libvorbis", "opus": "libopus"}
"""Our codec names and the ffmpeg encoder each uses."""


class LadderStep(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One rendition of the ladder."""

    format: str
    """The ``format`` query value that selects it: ``ogg`` or ``opus``."""
    quality: Quality
    """Its tier: ``low``, ``normal``, ``high`` or ``very_high``."""
    codec: Literal["vorbis", "opus"]
    """``vorbis`` (libvorbis) or ``opus`` (libopus); both in an Ogg container."""
    bitrate_kbps: int
    """Nominal bitrate in kbit/s."""
    channels: int = 2
    """1 (mono) or 2 (stereo)."""
    sample_rate: int = 0
    """Output sample rate in Hz; 0 keeps the source's (Opus always uses 48000)."""

    @property
    def name(self) -> str:
        """``ogg-high``: how files, logs and the CLI call this step."""
        return f"{self.format}-{self.quality}"

    @property
    def extension(self) -> str:
        return "opus" if self.codec == "opus" else "ogg"

    @property
    def media_type(self) -> str:
        return "audio/ogg; codecs=opus" if self.codec == "opus" else "audio/ogg"

    @property
    def spec_key(self) -> str:
        """A short hash of everything that changes the bytes: a new ladder makes new files."""
        text = f"{self.codec}:{self.bitrate_kbps}:{self.channels}:{self.sample_rate}:v1"
        return hashlib.sha1(text.encode()).hexdigest()[:8]

    def output_args(self) -> list[str]:
        """ffmpeg output options for this step (before the output path).

        ``-fflags +bitexact`` makes the Ogg serial numbers fixed, so encoding
        the same source twice gives the same bytes: an ETag stays valid
        whether the rendition was pre-encoded or made on demand.
        """
        args = ["-map_metadata", "-1", "-c:a", CODECS[self.codec], "-b:a", f"{self.bitrate_kbps}k"]
        args += ["-ac", str(self.channels)]
        if self.codec == "opus":
            # Constrained VBR keeps the size near nominal (predictable for seeking).
            args += ["-vbr", "constrained", "-ar", "48000"]
        elif self.sample_rate:
            args += ["-ar", str(self.sample_rate)]
        args += ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "ogg"]
        return args


DEFAULT_LADDER: tuple[LadderStep, ...] = (
    # libvorbis refuses 24 kbps at 44.1 kHz stereo: the low tier is mono at 22.05 kHz.
    LadderStep(format="ogg", quality="low", codec="vorbis", bitrate_kbps=24, channels=1,
               sample_rate=22050),
    LadderStep(format="ogg", quality="normal", codec="vorbis", bitrate_kbps=96),
    LadderStep(format="ogg", quality="high", codec="vorbis", bitrate_kbps=160),
    LadderStep(format="ogg", quality="very_high", codec="vorbis", bitrate_kbps=320),
    LadderStep(format="opus", quality="normal", codec="opus", bitrate_kbps=96),
    LadderStep(format="opus", quality="high", codec="opus", bitrate_kbps=160),
)  # fmt: skip


def rank(quality: Quality) -> int:
    return QUALITIES.index(quality)


def quality_for_bandwidth(kbps: float) -> Quality:
    """The ``auto`` tier for a client's bandwidth estimate in kbit/s.

    Above 500: very_high (320); 200-500: high (160); 100-200: normal (96);
    below 100: low.
    """
    if kbps > 500:
        return "very_high"
    if kbps >= 200:
        return "high"
    if kbps >= 100:
        return "normal"
    return "low"


class NoSuchRendition(ValueError):
    """The ladder has no step for this format (the message lists what exists)."""


def formats(ladder: Sequence[LadderStep]) -> list[str]:
    return sorted({step.format for step in ladder})


def choose(ladder: Sequence[LadderStep], fmt: str, quality: Quality, cap: Quality) -> LadderStep:
    """The step serving ``fmt`` at ``quality``, never above ``cap``.

    When the format has no step at that tier, the best step below it is
    used, else the smallest step of the format.
    """
    wanted = min(rank(quality), rank(cap))
    steps = sorted((s for s in ladder if s.format == fmt), key=lambda s: rank(s.quality))
    if not steps:
        raise NoSuchRendition(
            f"format {fmt!r} is not in the transcoding ladder; "
            f"choose one of: raw, {', '.join(formats(ladder))}"
        )
    below = [s for s in steps if rank(s.quality) <= wanted]
    return below[-1] if below else steps[0]


def validate_ladder(ladder: Sequence[LadderStep]) -> list[str]:
    """Problems with a configured ladder, for people (empty when it is usable)."""
    problems: list[str] = []
    seen: set[str] = set()
    for step in ladder:
        if step.name in seen:
            problems.append(f"the ladder has two steps for {step.name}; keep one")
        seen.add(step.name)
        if step.format == "raw":
            problems.append("'raw' is the original file and cannot be a ladder format")
        if step.sample_rate < 0 or step.bitrate_kbps <= 0:
            problems.append(f"{step.name}: sample_rate and bitrate_kbps must be positive")
        if step.channels not in (1, 2):
            problems.append(f"{step.name}: channels must be 1 or 2, not {step.channels}")
        if step.codec == "vorbis" and step.bitrate_kbps < 32 and step.channels == 2:
            problems.append(
                f"{step.name}: libvorbis refuses {step.bitrate_kbps} kbps in stereo; "
                "use channels = 1 and sample_rate = 22050"
            )
    return problems
