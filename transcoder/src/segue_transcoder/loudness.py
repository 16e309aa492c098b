"""Loudness gains for track JSON: measured EBU R128 values, else ReplayGain tags.

The ``extra_track_fields`` hook must answer without I/O, so measurements are
held in memory (:class:`LoudnessIndex`), loaded from the transcoder's SQLite
file at start and refreshed from it now and then (a worker may have measured).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from segue.models import Track
from segue_transcoder.state import Measured
from segue_transcoder.store import source_key

REPLAYGAIN_REFERENCE_LUFS = -18.0
"""ReplayGain 2.0 gains bring a track to -18 LUFS."""


def album_loudness(measurements: list[Measured]) -> float:
    """Integrated loudness of an album from its tracks': the duration-weighted energy mean.

    An approximation of measuring the album as one file (gating is per track).
    """
    total_ms = sum(max(m.duration_ms, 1) for m in measurements)
    energy = sum(max(m.duration_ms, 1) * 10 ** (m.integrated_lufs / 10) for m in measurements)
    return 10 * math.log10(energy / total_ms)


class LoudnessIndex:
    """Measurements by track, and by album, in memory."""

    def __init__(self, target_lufs: float) -> None:
        self.target_lufs = target_lufs
        self.by_track: dict[str, Measured] = {}
        self._by_album: dict[str, dict[str, Measured]] = defaultdict(dict)
        self.newest = 0.0
        """``measured_at`` of the newest measurement held (for incremental refresh)."""

    def add(self, measured: Measured) -> None:
        previous = self.by_track.get(measured.track_id)
        if previous is not None and previous.album_id:
            self._by_album[previous.album_id].pop(measured.track_id, None)
        self.by_track[measured.track_id] = measured
        if measured.album_id:
            self._by_album[measured.album_id][measured.track_id] = measured
        self.newest = max(self.newest, measured.measured_at)

    def current(self, track: Track) -> Measured | None:
        """The measurement of this version of the track's file, if any."""
        measured = self.by_track.get(track.id)
        if measured is None or measured.source_key != source_key(track):
            return None
        return measured

    def fields(self, track: Track) -> dict[str, Any] | None:
        """The ``loudness`` object of a track's JSON, or None when nothing is known."""
        target = self.target_lufs
        measured = self.current(track)
        if measured is not None:
            album = self._by_album.get(track.album_id or "", {})
            album_gain = round(target - album_loudness(list(album.values())), 2) if album else None
            return {
                "source": "ebur128",
                "target_lufs": target,
                "integrated_lufs": measured.integrated_lufs,
                "true_peak_dbfs": measured.true_peak_dbfs,
                "track_gain_db": round(target - measured.integrated_lufs, 2),
                "album_gain_db": album_gain,
            }
        if track.replaygain_track_gain is not None:
            shift = target - REPLAYGAIN_REFERENCE_LUFS
            album_tag = track.replaygain_album_gain
            peak = track.replaygain_track_peak
            return {
                "source": "replaygain",
                "target_lufs": target,
                "integrated_lufs": round(
                    REPLAYGAIN_REFERENCE_LUFS - track.replaygain_track_gain, 2
                ),
                "true_peak_dbfs": round(20 * math.log10(peak), 2) if peak and peak > 0 else None,
                "track_gain_db": round(track.replaygain_track_gain + shift, 2),
                "album_gain_db": None if album_tag is None else round(album_tag + shift, 2),
            }
        return None
