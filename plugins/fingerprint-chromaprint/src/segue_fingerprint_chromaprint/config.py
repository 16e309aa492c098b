"""The plugin's config section ``[plugins.fingerprint-chromaprint]``."""

from __future__ import annotations

import os
from typing import Annotated

import msgspec

import segue
from segue.context import SegueContext

PLUGIN_NAME = "fingerprint-chromaprint"


class Config(segue.PluginConfig):
    """``[plugins.fingerprint-chromaprint]``: fingerprinting, duplicate detection, AcoustID."""

    path: str = "fingerprints.sqlite3"
    """The fingerprint database. Relative paths are resolved against server.data_dir."""
    fpcalc: str = "fpcalc"
    """The fpcalc program (Debian package libchromaprint-tools): a name on PATH or a full path."""
    workers: Annotated[int, msgspec.Meta(ge=0)] = 0
    """fpcalc processes run in parallel; 0 means one per CPU core."""
    fingerprint_on_ingest: bool = True
    """Queue a fingerprint job on the events slot for every track a scan adds or changes."""
    max_seconds: Annotated[int, msgspec.Meta(ge=10, le=600)] = 120
    """Seconds of audio fingerprinted from the start of each file (fpcalc's -length)."""
    similarity_threshold: Annotated[float, msgspec.Meta(gt=0.5, le=1.0)] = 0.8
    """Two files are the same recording when 1 - bit error rate of their best-aligned
    fingerprints reaches this (same recording: above 0.9; unrelated audio: about 0.6)."""
    max_offset_seconds: Annotated[float, msgspec.Meta(ge=0, le=30)] = 5.0
    """Largest shift between two copies that is still recognized (silence trimmed or added)."""
    min_overlap_seconds: Annotated[float, msgspec.Meta(gt=0, le=120)] = 10.0
    """Aligned audio two fingerprints must share to be compared (shorter files: most of them)."""
    max_duration_difference: Annotated[float, msgspec.Meta(ge=0)] = 10.0
    """Files whose durations differ by more seconds than this are never compared."""
    acoustid_lookup: bool = False
    """Look fingerprinted tracks up on AcoustID to find their MusicBrainz recording ids
    (needs acoustid_api_key and network access)."""
    acoustid_api_key: str = ""
    """Your AcoustID application API key (https://acoustid.org/new-application)."""
    acoustid_url: str = "https://api.acoustid.org/v2/lookup"
    """The AcoustID lookup endpoint."""
    acoustid_timeout: Annotated[float, msgspec.Meta(gt=0, le=120)] = 10.0
    """Seconds to wait for AcoustID before giving up on a lookup."""

    def worker_count(self) -> int:
        """How many fpcalc processes may run at once."""
        return self.workers or os.cpu_count() or 1


def plugin_config(context: SegueContext) -> Config:
    """This plugin's validated section of the running Segue's config."""
    return context.plugin_config(PLUGIN_NAME, Config)
