"""Which fingerprints are the same recording: aligned bit error rate, candidates, groups.

Chromaprint's raw fingerprint is a sequence of 32-bit items, about 8 per
second of audio. Two copies of one recording (another format, another
bitrate, a little silence trimmed) give items that differ in few bits once
aligned, so similarity is 1 - the bit error rate (popcount of XOR) at the
best shift within a small range. Unrelated audio sits near 0.6.

Comparing every pair would not scale, so only *candidates* are compared:
files of similar durations that share several item prefixes (the top
``KEY_BITS`` of an item, exact across most lossy encodings).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

ITEMS_PER_SECOND = 11025 / (4096 / 3)
"""Chromaprint: 11,025 Hz audio, 4,096-sample frames advancing by a third of a frame."""
KEY_BITS = 20
MIN_SHARED_KEYS = 3
"""Distinct item prefixes two files must share to be compared at all."""
COMMON_KEY_SHARE = 0.05
"""A prefix found in more than this share of the files (silence...) tells nothing."""
MIN_COMMON_KEY_FILES = 20
SHORTEST_OVERLAP_ITEMS = 16


@dataclass(frozen=True)
class Print:
    """One track's fingerprint, as compared."""

    track_id: str
    items: NDArray[np.uint32]
    duration: float


@dataclass(frozen=True)
class MatchSettings:
    """How tolerant matching is (from the plugin's config)."""

    threshold: float = 0.8
    max_offset_seconds: float = 5.0
    min_overlap_seconds: float = 10.0
    max_duration_difference: float = 10.0

    @property
    def max_offset_items(self) -> int:
        return round(self.max_offset_seconds * ITEMS_PER_SECOND)

    @property
    def min_overlap_items(self) -> int:
        return round(self.min_overlap_seconds * ITEMS_PER_SECOND)


@dataclass(frozen=True)
class Alignment:
    similarity: float
    """1 - bit error rate over the overlap."""
    offset: int
    """Items of ``a`` skipped to line up with ``b`` (negative: items of ``b`` skipped)."""
    overlap: int


@dataclass(frozen=True)
class Match:
    a: str
    b: str
    alignment: Alignment


@dataclass(frozen=True)
class Group:
    """Tracks found to be one recording, with the similarity that links each to the group."""

    track_ids: list[str]
    similarity: float
    """The weakest link: the lowest similarity among the matches that joined the group."""
    member_similarity: dict[str, float]
    """Each member's best similarity to another member."""


def align(
    a: NDArray[np.uint32], b: NDArray[np.uint32], *, max_offset: int, min_overlap: int
) -> Alignment | None:
    """The best alignment of ``a`` and ``b`` within ``max_offset`` items, or None if too short.

    The overlap needed shrinks for short files (three quarters of the shorter one).
    """
    shorter = min(len(a), len(b))
    needed = min(min_overlap, max(SHORTEST_OVERLAP_ITEMS, shorter * 3 // 4))
    best: Alignment | None = None
    for offset in range(-max_offset, max_offset + 1):
        start_a, start_b = max(offset, 0), max(-offset, 0)
        overlap = min(len(a) - start_a, len(b) - start_b)
        if overlap < needed:
            continue
        errors = int(
            np.bitwise_count(a[start_a : start_a + overlap] ^ b[start_b : start_b + overlap]).sum(
                dtype=np.int64
            )
        )
        similarity = 1.0 - errors / (32 * overlap)
        if best is None or similarity > best.similarity:
            best = Alignment(similarity=similarity, offset=offset, overlap=overlap)
    return best


def candidate_pairs(prints: Sequence[Print], settings: MatchSettings) -> list[tuple[int, int]]:
    """Index pairs worth aligning: close durations and enough shared item prefixes."""
    postings: dict[int, list[int]] = defaultdict(list)
    for index, fingerprint in enumerate(prints):
        for key in np.unique(fingerprint.items >> (32 - KEY_BITS)).tolist():
            postings[key].append(index)
    too_common = max(MIN_COMMON_KEY_FILES, int(len(prints) * COMMON_KEY_SHARE))
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for members in postings.values():
        if len(members) < 2 or len(members) > too_common:
            continue
        for pair in combinations(members, 2):
            shared[pair] += 1
    return sorted(
        (i, j)
        for (i, j), count in shared.items()
        if count >= MIN_SHARED_KEYS
        and abs(prints[i].duration - prints[j].duration) <= settings.max_duration_difference
    )


def find_matches(prints: Sequence[Print], settings: MatchSettings) -> list[Match]:
    """Every candidate pair whose best alignment reaches the threshold."""
    matches: list[Match] = []
    for i, j in candidate_pairs(prints, settings):
        alignment = align(
            prints[i].items,
            prints[j].items,
            max_offset=settings.max_offset_items,
            min_overlap=settings.min_overlap_items,
        )
        if alignment is not None and alignment.similarity >= settings.threshold:
            matches.append(Match(prints[i].track_id, prints[j].track_id, alignment))
    return matches


def group_matches(matches: Iterable[Match]) -> list[Group]:
    """Connected components of the match graph, largest similarity first within each."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    best: dict[str, float] = {}
    links: list[Match] = list(matches)
    for match in links:
        parent[root(match.a)] = root(match.b)
        for node in (match.a, match.b):
            best[node] = max(best.get(node, 0.0), match.alignment.similarity)
    members: dict[str, list[str]] = defaultdict(list)
    for node in parent:
        members[root(node)].append(node)
    weakest: dict[str, float] = {}
    for match in links:
        top = root(match.a)
        weakest[top] = min(weakest.get(top, 1.0), match.alignment.similarity)
    groups = [
        Group(
            track_ids=sorted(ids),
            similarity=round(weakest[top], 4),
            member_similarity={track: round(best[track], 4) for track in sorted(ids)},
        )
        for top, ids in members.items()
    ]
    return sorted(groups, key=lambda group: group.track_ids[0])


def find_groups(prints: Sequence[Print], settings: MatchSettings) -> list[Group]:
    """Duplicate groups among ``prints`` (CPU-bound: run it on a worker thread)."""
    return group_matches(find_matches(prints, settings))


def best_match(
    clip: NDArray[np.uint32], prints: Sequence[Print], *, min_similarity: float, tries: int = 10
) -> tuple[Print, Alignment] | None:
    """The library print a short clip was most likely cut from, by offset voting.

    Every clip item whose top bits equal a library item's votes for that
    track at that shift; only the ``tries`` most voted (track, shift) pairs
    are aligned exactly. Vectorized: one sort of the library's item keys.
    """
    if not prints or len(clip) == 0:
        return None
    shift_bits = 32 - KEY_BITS
    lengths = np.array([len(p.items) for p in prints])
    keys = np.concatenate([p.items >> shift_bits for p in prints])
    owners = np.repeat(np.arange(len(prints)), lengths)
    positions = np.arange(len(keys)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    clip_keys = clip >> shift_bits
    low = np.searchsorted(sorted_keys, clip_keys, side="left")
    high = np.searchsorted(sorted_keys, clip_keys, side="right")
    hits = high - low
    if not hits.any():
        return None
    clip_positions = np.repeat(np.arange(len(clip)), hits)
    # Library entries matching each clip item: ranges [low, high) of the sorted keys.
    starts = np.repeat(low, hits)
    within = np.arange(int(hits.sum())) - np.repeat(np.cumsum(hits) - hits, hits)
    entries = order[starts + within]
    shifts = positions[entries] - clip_positions
    span = int(lengths.max()) + len(clip)
    votes, counts = np.unique(owners[entries] * (2 * span) + shifts + span, return_counts=True)
    found: tuple[Print, Alignment] | None = None
    for vote in votes[np.argsort(-counts, kind="stable")[:tries]].tolist():
        owner, shift = divmod(vote, 2 * span)
        shift -= span
        fingerprint = prints[owner]
        alignment = align(
            fingerprint.items[max(shift, 0) :],
            clip[max(-shift, 0) :],
            max_offset=2,
            min_overlap=len(clip) // 2,
        )
        if alignment is None or alignment.similarity < min_similarity:
            continue
        if found is None or alignment.similarity > found[1].similarity:
            exact = shift + alignment.offset
            found = (fingerprint, Alignment(alignment.similarity, exact, alignment.overlap))
    return found
