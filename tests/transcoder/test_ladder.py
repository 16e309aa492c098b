"""Choosing a ladder step, checking a configured ladder, reading ebur128's summary."""

from __future__ import annotations

import pytest

from segue_transcoder.encode import parse_loudness
from segue_transcoder.ladder import (
    DEFAULT_LADDER,
    LadderStep,
    NoSuchRendition,
    choose,
    quality_for_bandwidth,
    validate_ladder,
)


@pytest.mark.parametrize(
    ("fmt", "quality", "cap", "expected"),
    [
        ("ogg", "very_high", "very_high", "ogg-very_high"),
        ("ogg", "very_high", "normal", "ogg-normal"),
        ("opus", "very_high", "very_high", "opus-high"),  # best step below the tier
        ("opus", "low", "very_high", "opus-normal"),  # nothing below: the smallest
        ("ogg", "low", "very_high", "ogg-low"),
    ],
)
def test_choose(fmt: str, quality: str, cap: str, expected: str) -> None:
    assert choose(DEFAULT_LADDER, fmt, quality, cap).name == expected  # type: ignore[arg-type]


def test_choose_names_the_formats_that_exist() -> None:
    with pytest.raises(NoSuchRendition, match=r"'mp3'.*raw, ogg, opus"):
        choose(DEFAULT_LADDER, "mp3", "high", "very_high")


@pytest.mark.parametrize(
    ("kbps", "tier"),
    [
        (0, "low"),
        (99.9, "low"),
        (100, "normal"),
        (199, "normal"),
        (200, "high"),
        (500, "high"),
        (500.1, "very_high"),
        (10_000, "very_high"),
    ],
)
def test_bandwidth_tiers(kbps: float, tier: str) -> None:
    assert quality_for_bandwidth(kbps) == tier


def test_a_stereo_24_kbps_vorbis_step_is_refused_with_the_fix() -> None:
    bad = LadderStep(format="ogg", quality="low", codec="vorbis", bitrate_kbps=24)
    twice = [DEFAULT_LADDER[1], DEFAULT_LADDER[1]]

    assert any("channels = 1" in p and "22050" in p for p in validate_ladder([bad]))
    assert any("two steps for ogg-normal" in p for p in validate_ladder(twice))
    assert validate_ladder(DEFAULT_LADDER) == []


def test_parse_loudness_reads_the_summary_not_the_frame_log() -> None:
    stderr = (
        "[Parsed_ebur128_0 @ 0x1] t: 1.0 M: -30.0 S: -30.0 I: -31.0 LUFS LRA: 0.0 LU\n"
        "[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -14.1 LUFS\n"
        "    Threshold: -24.1 LUFS\n\n  True peak:\n    Peak:      -10.9 dBFS\n"
    )
    measured = parse_loudness(stderr)
    assert measured is not None
    assert (measured.integrated_lufs, measured.true_peak_dbfs) == (-14.1, -10.9)
    assert parse_loudness("no summary here") is None
