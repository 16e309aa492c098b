"""Play queue changes (pure): replacing, shuffling on and off, adding, skipping.

With shuffle on, ``track_ids`` holds the shuffled play order and
``original_track_ids`` the order it came in, so turning shuffle off goes
back to it, at the track playing now.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import msgspec

from segue.playlists.models import PlayQueue
from segue.playlists.shuffle import dithered_shuffle


def shuffled_from(
    track_ids: Sequence[str],
    position: int,
    artist_of: Mapping[str, str],
    rng: random.Random | None = None,
) -> list[str]:
    """The track at ``position`` first, then the others artist-spread."""
    if not track_ids:
        return []
    current = track_ids[position]
    rest = [t for i, t in enumerate(track_ids) if i != position]
    order = dithered_shuffle(rest, [artist_of.get(t, t) for t in rest], rng)
    # The neighbour of the current track should not share its artist either.
    if order and artist_of.get(order[0], order[0]) == artist_of.get(current, current):
        swap = next(
            (
                i
                for i in range(1, len(order))
                if artist_of.get(order[i], order[i]) != artist_of.get(current, current)
            ),
            None,
        )
        if swap is not None:
            order.insert(0, order.pop(swap))
    return [current, *order]


def set_shuffle(queue: PlayQueue, on: bool, artist_of: Mapping[str, str]) -> PlayQueue:
    if on == queue.shuffle:
        return queue
    if on:
        return msgspec.structs.replace(
            queue,
            shuffle=True,
            original_track_ids=list(queue.track_ids),
            track_ids=shuffled_from(queue.track_ids, queue.position, artist_of),
            position=0,
        )
    current = queue.track_ids[queue.position] if queue.track_ids else None
    original = queue.original_track_ids or queue.track_ids
    position = original.index(current) if current in original else 0
    return msgspec.structs.replace(
        queue, shuffle=False, track_ids=list(original), original_track_ids=[], position=position
    )


def add_tracks(queue: PlayQueue, track_ids: Sequence[str], *, play_next: bool) -> PlayQueue:
    at = queue.position + 1 if play_next and queue.track_ids else len(queue.track_ids)
    order = [*queue.track_ids[:at], *track_ids, *queue.track_ids[at:]]
    original = [*queue.original_track_ids, *track_ids] if queue.shuffle else []
    return msgspec.structs.replace(queue, track_ids=order, original_track_ids=original)


def step(queue: PlayQueue, by: int) -> PlayQueue:
    """Move to the next (``by`` = 1) or previous (-1) track, following the repeat mode."""
    count = len(queue.track_ids)
    if count == 0 or queue.repeat == "one":
        return msgspec.structs.replace(queue, position_ms=0)
    position = queue.position + by
    if queue.repeat == "all":
        position %= count
    position = max(0, min(position, count - 1))
    return msgspec.structs.replace(queue, position=position, position_ms=0)
