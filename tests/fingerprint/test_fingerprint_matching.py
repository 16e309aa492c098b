"""Matching on fingerprint arrays: alignment, the candidate filter, grouping, recording ids."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from segue_fingerprint_chromaprint.matching import (
    Alignment,
    Match,
    MatchSettings,
    Print,
    align,
    best_match,
    candidate_pairs,
    find_groups,
    group_matches,
)
from segue_fingerprint_chromaprint.recordings import RecordingMap, assign_recordings
from segue_fingerprint_chromaprint.store import FileFacts, GroupRow


def random_items(seed: int, n: int = 200) -> NDArray[np.uint32]:
    return np.random.default_rng(seed).integers(0, 2**32, size=n, dtype=np.uint32)


def flip_bits(items: NDArray[np.uint32], share: float, seed: int = 0) -> NDArray[np.uint32]:
    """Flip about ``share`` of all bits, as a lossy re-encode does."""
    rng = np.random.default_rng(seed)
    bits = rng.random((len(items), 32)) < share
    masks = (bits * (1 << np.arange(32, dtype=np.uint64))).sum(axis=1).astype(np.uint32)
    flipped: NDArray[np.uint32] = items ^ masks
    return flipped


def test_align_finds_the_shift_and_the_bit_error_rate() -> None:
    song = random_items(1, 300)
    shifted = flip_bits(song[16:], 0.05)  # 2 seconds trimmed, 5 % of bits changed

    found = align(song, shifted, max_offset=40, min_overlap=80)

    assert found is not None
    assert found.offset == 16
    assert 0.93 <= found.similarity <= 0.97
    assert found.overlap == 284


def test_align_rates_unrelated_fingerprints_near_one_half() -> None:
    found = align(random_items(1), random_items(2), max_offset=40, min_overlap=80)
    assert found is not None and 0.45 <= found.similarity <= 0.56


def test_align_refuses_too_little_overlap() -> None:
    assert align(random_items(1, 10), random_items(1, 10), max_offset=4, min_overlap=80) is None


def test_candidates_need_shared_prefixes_and_close_durations() -> None:
    song = random_items(7)
    prints = [
        Print("a", song, 25.0),
        Print("b", flip_bits(song, 0.02), 25.1),
        Print("c", random_items(8), 25.0),  # other audio, same duration
        Print("d", song, 60.0),  # same audio, far longer: not compared
    ]
    assert candidate_pairs(prints, MatchSettings(max_duration_difference=10)) == [(0, 1)]


def test_groups_are_connected_components_above_the_threshold() -> None:
    song, other = random_items(1), random_items(2)
    prints = [
        Print("flac", song, 25.0),
        Print("mp3", flip_bits(song, 0.03, seed=1), 25.0),
        Print("ogg", flip_bits(song[10:], 0.06, seed=2), 23.8),
        Print("other", other, 25.0),
        Print("other-copy", flip_bits(other, 0.02, seed=3), 25.0),
        Print("alone", random_items(3), 25.0),
    ]
    groups = find_groups(prints, MatchSettings(threshold=0.8))

    assert [g.track_ids for g in groups] == [["flac", "mp3", "ogg"], ["other", "other-copy"]]
    assert 0.8 <= groups[0].similarity < groups[0].member_similarity["flac"]


def test_group_similarity_is_the_weakest_link() -> None:
    matches = [
        Match("a", "b", Alignment(0.99, 0, 100)),
        Match("b", "c", Alignment(0.85, 3, 100)),
    ]
    (group,) = group_matches(matches)
    assert group.track_ids == ["a", "b", "c"]
    assert group.similarity == 0.85
    assert group.member_similarity == {"a": 0.99, "b": 0.99, "c": 0.85}


def facts(track_id: str, codec: str, bitrate: int, computed_at: float) -> FileFacts:
    return FileFacts(
        track_id, "/music", f"{track_id}.{codec}", 1000, 1, codec, bitrate, 20.0, computed_at
    )


def test_recording_ids_are_stable_when_copies_appear() -> None:
    (first,) = group_matches([Match("old", "copy", Alignment(0.99, 0, 100))])
    known = {t: facts(t, "mp3", 128_000, n) for n, t in enumerate(["old", "copy", "newer"])}
    rows = assign_recordings([first], {}, known)
    assert {r.recording_id for r in rows} == {"old"}  # the oldest file names the recording

    history = {r.track_id: (r.recording_id, 1.0) for r in rows}
    (grown,) = group_matches(
        [
            Match("copy", "newer", Alignment(0.97, 0, 100)),
            Match("old", "copy", Alignment(0.99, 0, 100)),
        ]
    )
    assert {r.recording_id for r in assign_recordings([grown], history, known)} == {"old"}


def test_preferred_file_defaults_to_the_best_quality_and_honours_a_choice() -> None:
    known = {
        "mp3": facts("mp3", "mp3", 320_000, 1),
        "flac": facts("flac", "flac", 900_000, 2),
        "ogg": facts("ogg", "vorbis", 192_000, 3),
    }
    rows = [GroupRow(t, "rec", 0.99, 0.98) for t in known]

    assert RecordingMap.build(rows, {}, known).preferred == {"rec": "flac"}
    chosen = RecordingMap.build(rows, {"rec": "ogg"}, known)
    assert chosen.preferred_track_id("mp3") == "ogg"
    assert chosen.recording_id("mp3") == "rec"
    assert chosen.recording_id("elsewhere") == "elsewhere"


def test_best_match_finds_where_a_clip_was_cut_from() -> None:
    library = [Print(f"t{n}", random_items(n, 400), 50.0) for n in range(30)]
    clip = flip_bits(library[17].items[120:180], 0.04)

    found = best_match(clip, library, min_similarity=0.8)
    stranger = best_match(random_items(99, 60), library, min_similarity=0.8)

    assert found is not None
    assert found[0].track_id == "t17"
    assert found[1].offset == 120
    assert found[1].similarity > 0.9
    assert stranger is None
