"""``[plugins.transcoder]``: the ladder, the modes, the cache, limits, loudness and signing."""

from __future__ import annotations

from typing import Literal

import msgspec

from segue import PluginConfig
from segue_transcoder.ladder import DEFAULT_LADDER, LadderStep, Quality

Mode = Literal["pre_encode", "on_demand"]


class Config(PluginConfig, kw_only=True, forbid_unknown_fields=True):
    """Transcoding to Ogg Vorbis/Opus renditions, loudness, and signed stream URLs."""

    modes: list[Mode] = msgspec.field(default_factory=lambda: ["on_demand"])
    """``pre_encode``: every new track is encoded to the whole ladder by a background job
    (through the events slot, so ``segue worker`` processes take the work) and kept;
    ``on_demand``: a rendition is encoded when first requested and kept in a size-bounded
    cache. Both may be listed."""
    ladder: list[LadderStep] = msgspec.field(default_factory=lambda: list(DEFAULT_LADDER))
    """The renditions, as ``[[plugins.transcoder.ladder]]`` tables with ``format``,
    ``quality``, ``codec``, ``bitrate_kbps``, ``channels`` and ``sample_rate``. Default: Ogg
    Vorbis 24 kbps (mono, 22.05 kHz), 96, 160, 320 kbps and Opus 96, 160 kbps."""
    default_format: str = "ogg"
    """The format served when a request names a quality but no format."""
    cache_dir: str = ""
    """Where renditions are kept; empty: ``<data_dir>/transcoder``."""
    cache_size_mb: float = 2048.0
    """Most megabytes of on-demand renditions kept; the least recently used go first.
    Pre-encoded renditions are not counted and never evicted."""
    max_live_transcodes: int = 4
    """Most on-demand encodes running at once in one server; beyond it clients get
    429 with Retry-After."""
    retry_after_seconds: int = 5
    """The Retry-After sent with a 429."""
    queue_concurrency: int = 1
    """Pre-encode and analysis jobs run at once per process (each is one ffmpeg)."""
    analyze_on_ingest: bool = True
    """Measure the loudness of every new or changed track in a background job, even
    without ``pre_encode`` (a decode only, about 100x realtime)."""
    loudness_target_lufs: float = -14.0
    """The loudness the gains in track JSON bring a track to (EBU R128 integrated)."""
    job_timeout_seconds: int = 900
    """Longest one ffmpeg job may run before it is stopped and counted as failed."""
    signing_secret: str = ""
    """HMAC key for signed stream URLs; empty: generated once and kept in
    ``<cache_dir>/signing.key``. Servers behind one CDN must share it."""
    signed_url_ttl_seconds: int = 86400
    """How long a signed stream URL stays valid."""
    role_caps: dict[str, Quality] = msgspec.field(
        default_factory=lambda: {"admin": "very_high", "user": "very_high"}
    )
    """The highest quality each role (``admin`` or ``user``) may stream; a free tier could be
    ``{ admin = "very_high", user = "high" }``."""
