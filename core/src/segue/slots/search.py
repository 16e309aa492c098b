"""The search slot. Backends arrive with the search issue; ``none`` until then."""

from collections.abc import Sequence
from typing import Protocol

import msgspec

from segue.models import Track
from segue.slots.base import Backend


class SearchQuery(msgspec.Struct, kw_only=True):
    text: str
    types: list[str] = msgspec.field(
        default_factory=lambda: ["track", "artist", "album", "playlist"]
    )
    limit: int = 20
    offset: int = 0
    genre: str | None = None
    year: int | None = None


class SearchHits(msgspec.Struct, kw_only=True):
    """Ids of matches by type, best first, with the total per type."""

    ids: dict[str, list[str]]
    totals: dict[str, int]


class SearchBackend(Backend, Protocol):
    """Typo-tolerant search over the catalog."""

    async def index_tracks(self, tracks: Sequence[Track]) -> None: ...

    async def remove_tracks(self, track_ids: Sequence[str]) -> None: ...

    async def search(self, query: SearchQuery) -> SearchHits: ...
