"""An optional presence-backend extension that lets feed reads cache friend lists safely.

Reading a viewer's friends (with their privacy settings) from the catalog
costs more than reading their activity from the presence store. A backend
that offers :class:`FeedSource` keeps a *graph version* per user: every
friendship change and every privacy change bumps the versions of the users
whose feeds it changes. Each process may then keep a viewer's friend list
as long as the viewer's version has not moved, and the feed read fetches
that version in the same round trip as the activity, so a change made by
any ``segue serve`` process is seen by the very next read everywhere.

Versions move by ``FRIENDSHIP_STEP`` when a friendship starts or ends and by 1
when a friend's privacy changes (and a user's own version moves by 1 when
their privacy changes), so a live session can tell "my friends changed"
(``version // FRIENDSHIP_STEP`` moved) from "someone's privacy changed".

Backends without these methods work as before: the friend list is read
from the catalog on every feed read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from segue.slots.presence import Activity

FRIENDSHIP_STEP = 1 << 20
"""What a friendship change adds to a graph version (privacy changes add 1)."""


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """One viewer's feed read, prepared once per cached friend list."""

    viewer_id: str
    user_ids: tuple[str, ...]
    """The friends whose activity is read, in this order."""
    prepared: bytes = b""
    """The backend's request, encoded ahead (presence-valkey: one ``MGET`` in RESP)."""


@runtime_checkable
class FeedSource(Protocol):
    """Graph versions and a prepared feed read (see the module docstring)."""

    async def graph_version(self, user_id: str) -> int | None:
        """The user's graph version (0 if never bumped); None while the store is unreachable."""
        ...

    async def graph_versions(self, user_ids: Sequence[str]) -> list[int] | None:
        """Several users' graph versions in one read (None while the store is unreachable)."""
        ...

    async def bump_graph(self, user_ids: Sequence[str], step: int = 1) -> None:
        """Move these users' graph versions on by ``step``: their cached friend lists are stale now."""
        ...

    def prepare_feed(self, viewer_id: str, user_ids: Sequence[str]) -> FeedQuery:
        """Encode the read of the viewer's version and these users' activity once."""
        ...

    async def read_feed(self, query: FeedQuery, recent: int) -> tuple[int | None, list[Activity]]:
        """The viewer's graph version and the users' activity (same order), in one round trip.

        The version is None when the store is unreachable (the activity then
        comes from the backend's outage cache, as ``read_activity``'s does).
        """
        ...
