"""Identify a short clip: fingerprint it and find the library track it was cut from."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
import msgspec

from segue.errors import InvalidInput, NotFound
from segue_fingerprint_chromaprint.fpcalc import FingerprintFailed, run_fpcalc
from segue_fingerprint_chromaprint.matching import ITEMS_PER_SECOND, best_match
from segue_fingerprint_chromaprint.service import Fingerprinter

MIN_CLIP_ITEMS = 24
"""About 3 seconds of fingerprint: less matches too much by chance."""


class Identified(msgspec.Struct, kw_only=True):
    """The library track a clip most likely comes from."""

    track_id: str
    recording_id: str
    similarity: float
    """1 - bit error rate between the clip and the track where they align (0..1)."""
    offset_seconds: float
    """Where in the track the clip starts."""


async def identify_clip(fingerprinter: Fingerprinter, clip: Path) -> Identified:
    """The best match for the audio file ``clip``; NotFound when nothing is close enough."""
    async with fingerprinter.limiter:
        result = await run_fpcalc(
            clip,
            program=fingerprinter.config.fpcalc,
            max_seconds=fingerprinter.config.max_seconds,
        )
    if isinstance(result, FingerprintFailed):
        raise InvalidInput(f"the clip is not audio fpcalc can read: {result.reason}")
    if len(result.items) < MIN_CLIP_ITEMS:
        raise InvalidInput(
            f"the clip is too short ({result.duration:.1f} s); send at least 5 seconds"
        )
    prints = await fingerprinter.store.prints()
    found = await anyio.to_thread.run_sync(
        lambda: best_match(
            result.items, prints, min_similarity=fingerprinter.config.similarity_threshold
        )
    )
    if found is None:
        raise NotFound("no track in the library matches this clip")
    track, alignment = found
    return Identified(
        track_id=track.track_id,
        recording_id=fingerprinter.recordings.recording_id(track.track_id),
        similarity=round(alignment.similarity, 4),
        offset_seconds=round(alignment.offset / ITEMS_PER_SECOND, 2),
    )
