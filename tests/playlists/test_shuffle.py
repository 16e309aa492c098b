"""The queue's dithered shuffle, measured over many shuffles against plain Fisher-Yates."""

from __future__ import annotations

import random
from collections import Counter

from segue.playlists.queue import shuffled_from
from segue.playlists.shuffle import adjacent_repeats, dithered_shuffle

SHUFFLES = 2000


def library(counts: dict[str, int]) -> list[tuple[str, str]]:
    """(track, artist) pairs: ``counts[artist]`` tracks per artist."""
    return [(f"{a}{i}", a) for a, n in counts.items() for i in range(n)]


def clumping(counts: dict[str, int], shuffle: str, seed: int = 7) -> tuple[float, float]:
    """(mean adjacent same-artist pairs per shuffle, share of shuffles with any)."""
    rng = random.Random(seed)
    tracks = library(counts)
    total, clumped = 0, 0
    for _ in range(SHUFFLES):
        if shuffle == "dithered":
            order = dithered_shuffle(tracks, [a for _t, a in tracks], rng)
        else:
            order = list(tracks)
            rng.shuffle(order)
        repeats = adjacent_repeats([a for _t, a in order])
        total += repeats
        clumped += repeats > 0
    return total / SHUFFLES, clumped / SHUFFLES


def test_no_back_to_back_artist_when_the_mix_allows_it() -> None:
    # One dominant artist (half the tracks) and a long tail: Fisher-Yates clumps a lot.
    counts = {"big": 10, "mid": 5, "a": 2, "b": 1, "c": 1, "d": 1}
    fy_mean, fy_share = clumping(counts, "fisher-yates")
    dithered_mean, dithered_share = clumping(counts, "dithered")
    assert fy_mean > 3 and fy_share > 0.95, (fy_mean, fy_share)
    assert dithered_mean == 0 and dithered_share == 0, (dithered_mean, dithered_share)


def test_when_one_artist_dominates_it_still_clumps_least() -> None:
    # 8 of 10 by one artist: at least 5 repeats are unavoidable.
    counts = {"big": 8, "x": 1, "y": 1}
    fy_mean, _ = clumping(counts, "fisher-yates")
    dithered_mean, _ = clumping(counts, "dithered")
    assert 5.0 <= dithered_mean < 5.5, dithered_mean  # nearly always the minimum
    assert fy_mean > dithered_mean + 0.3, (fy_mean, dithered_mean)


def test_shuffles_are_random_and_keep_every_track() -> None:
    tracks = library({"a": 4, "b": 4, "c": 4})
    rng = random.Random(1)
    orders = {tuple(dithered_shuffle(tracks, [a for _t, a in tracks], rng)) for _ in range(200)}
    assert len(orders) > 150, "a shuffle that hardly varies is no shuffle"
    for order in orders:
        assert sorted(order) == sorted(tracks)
    firsts = Counter(order[0][1] for order in orders)
    assert set(firsts) == {"a", "b", "c"}


def test_queue_shuffle_keeps_the_current_track_first() -> None:
    ids = [f"t{i}" for i in range(12)]
    artists = {t: "solo" if i < 3 else f"artist{i % 4}" for i, t in enumerate(ids)}
    for seed in range(50):
        order = shuffled_from(ids, 5, artists, random.Random(seed))
        assert order[0] == "t5" and sorted(order) == sorted(ids)
        assert adjacent_repeats([artists[t] for t in order]) == 0
