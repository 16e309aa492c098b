"""Per-process cache of viewers' friend lists, checked against graph versions on every read.

An entry is only ever served together with the viewer's current graph
version read in the same round trip as the activity (see
``segue.social.feed_source``): when it moved, the entry is dropped and the
friend list read again from the catalog. The TTL and the size cap only
bound memory and how long a friend's renamed name may show.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from segue.social.feed_source import FeedQuery
from segue.social.models import Friend

FRIEND_CACHE_TTL_S = 300.0
"""An entry is read again from the catalog after this long even if nothing changed."""
FRIEND_CACHE_SIZE = 2_000
"""Viewers kept (about 50 kB each with 300 friends); the oldest entry goes first when full."""


@dataclass(frozen=True, slots=True)
class CachedFriends:
    """One viewer's friends (with privacy settings) as of graph version ``version``."""

    friends: dict[str, Friend]
    query: FeedQuery
    version: int
    expires_at: float


class FriendCache:
    """Viewer id -> :class:`CachedFriends`, bounded in time and size."""

    def __init__(self, ttl_s: float = FRIEND_CACHE_TTL_S, size: int = FRIEND_CACHE_SIZE) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._entries: dict[str, CachedFriends] = {}

    def get(self, viewer_id: str) -> CachedFriends | None:
        entry = self._entries.get(viewer_id)
        if entry is not None and entry.expires_at <= time.monotonic():
            del self._entries[viewer_id]
            return None
        return entry

    def put(
        self, viewer_id: str, friends: dict[str, Friend], query: FeedQuery, version: int
    ) -> None:
        self._entries.pop(viewer_id, None)
        while len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]
        self._entries[viewer_id] = CachedFriends(
            friends=friends, query=query, version=version, expires_at=time.monotonic() + self.ttl_s
        )

    def drop(self, viewer_id: str) -> None:
        self._entries.pop(viewer_id, None)

    def clear(self) -> None:
        self._entries.clear()
