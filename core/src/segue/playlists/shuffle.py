"""The play queue's shuffle: artists spread out, with a little randomness.

Plain Fisher-Yates often plays two songs by one artist back to back. This
is the dithered shuffle: each artist's tracks are spread evenly over the
queue (a random offset per artist, a random jitter per track), then a
repair pass moves a later track forward wherever one artist would still
play twice in a row, so no two neighbours share an artist whenever the mix
of artists allows it.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

JITTER = 0.25
"""How far (as a share of an artist's spacing) each track may drift from its even slot."""


def dithered_shuffle(
    items: Sequence[T], artist_of: Sequence[str], rng: random.Random | None = None
) -> list[T]:
    """``items`` shuffled so that tracks by one artist (``artist_of[i]``) are far apart."""
    if len(items) != len(artist_of):
        raise ValueError("artist_of needs one artist per item")
    rng = rng or random.Random()
    groups: dict[str, list[int]] = defaultdict(list)
    for index, artist in enumerate(artist_of):
        groups[artist].append(index)
    keyed: list[tuple[float, int]] = []
    for indexes in groups.values():
        rng.shuffle(indexes)
        spacing = 1.0 / len(indexes)
        offset = rng.random() * spacing
        for k, index in enumerate(indexes):
            jitter = (rng.random() - 0.5) * JITTER * spacing
            keyed.append((offset + k * spacing + jitter, index))
    keyed.sort()
    order = _spread([i for _key, i in keyed], artist_of)
    return [items[i] for i in order]


def _spread(order: list[int], artist_of: Sequence[str]) -> list[int]:
    """Fix remaining back-to-back artists by moving the nearest different track forward,
    then by re-inserting leftovers where both neighbours differ."""
    result = list(order)
    for i in range(1, len(result)):
        if artist_of[result[i]] != artist_of[result[i - 1]]:
            continue
        for j in range(i + 1, len(result)):
            if artist_of[result[j]] != artist_of[result[i - 1]]:
                result.insert(i, result.pop(j))
                break
    # A run may remain at the end (one artist left over): tuck each into a gap.
    i = len(result) - 1
    while i > 0 and artist_of[result[i]] == artist_of[result[i - 1]]:
        artist = artist_of[result[i]]
        gap = next(
            (
                k
                for k in range(1, i)
                if artist_of[result[k - 1]] != artist and artist_of[result[k]] != artist
            ),
            None,
        )
        if gap is None:
            break
        result.insert(gap, result.pop(i))
        i = len(result) - 1
    return result


def adjacent_repeats(artists: Sequence[str]) -> int:
    """How many neighbours share an artist (what the shuffle keeps low)."""
    return sum(1 for a, b in itertools.pairwise(artists) if a == b)
