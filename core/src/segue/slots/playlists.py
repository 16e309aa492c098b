"""The playlists slot (playlists, saved library, listening history, play queue).

Backends store; the HTTP API (``segue.api.playlists``, ``segue.api.library``)
decides who may do what and checks that track ids exist in the catalog. Entry
edits follow the rules of ``segue.playlists.edits`` in every backend, so that
the contract tests (tests/playlists/) hold for each of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Annotated, Protocol

import msgspec

from segue.config.schema import PluginConfig
from segue.models import Page
from segue.playlists.models import (
    EditOp,
    EditResult,
    Entry,
    HistoryEntry,
    MetadataUpdate,
    Playlist,
    PlaylistExport,
    PlayQueue,
    SavedItem,
    SavedKind,
)
from segue.slots.base import Backend


class PlaylistsConfig(PluginConfig):
    """Settings every playlists backend shares (each backend's ``[plugins.<name>]`` section)."""

    history_retention_days: Annotated[int, msgspec.Meta(ge=1, le=36500)] = 90
    """Listening history older than this many days is deleted."""
    idempotency_ttl_s: Annotated[float, msgspec.Meta(gt=0)] = 86_400.0
    """How long an ``Idempotency-Key`` of a playlist edit is remembered (seconds)."""


class PlaylistsBackend(Backend, Protocol):
    """Playlists, library, history and queue. Default: ``sqlite`` (plugin playlists-sqlite).

    Raise ``segue.errors.NotFound`` for an unknown playlist,
    ``segue.playlists.edits.EditConflict`` for a real conflict and
    ``segue.errors.InvalidInput`` for a bad edit (unknown entry, limits).
    """

    settings: PlaylistsConfig

    # --- playlists ----------------------------------------------------------
    async def create_playlist(
        self,
        owner_id: str,
        name: str,
        *,
        description: str = "",
        public: bool = False,
        collaborative: bool = False,
    ) -> Playlist:
        """A new empty playlist at version 1."""
        ...

    async def get_playlist(self, playlist_id: str) -> Playlist | None: ...

    async def list_playlists(self, user_id: str) -> list[Playlist]:
        """Playlists the user owns, collaborates on or follows, newest change first."""
        ...

    async def update_playlist(
        self, playlist_id: str, update: MetadataUpdate, *, base_version: int | None = None
    ) -> Playlist:
        """Change metadata (one new version); a field changed after ``base_version`` conflicts."""
        ...

    async def delete_playlist(self, playlist_id: str) -> bool: ...

    async def list_entries(self, playlist_id: str, offset: int, limit: int) -> Page[Entry]:
        """The live entries in order (removed ones are not listed)."""
        ...

    async def edit_entries(
        self,
        playlist_id: str,
        user_id: str,
        ops: Sequence[EditOp],
        *,
        base_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> EditResult:
        """Apply ``ops`` in order as one new version (all or nothing).

        With ``idempotency_key``, a repeat by the same user of an edit already
        applied returns the first result and changes nothing.
        """
        ...

    async def set_collaborator(self, playlist_id: str, user_id: str, *, add: bool) -> Playlist: ...

    async def set_following(self, playlist_id: str, user_id: str, *, follow: bool) -> Playlist: ...

    async def list_followers(self, playlist_id: str) -> list[str]: ...

    # --- migration --------------------------------------------------------------
    def export_playlists(self) -> AsyncIterator[PlaylistExport]:
        """Every playlist with its live entries and followers (for ``segue playlists migrate``)."""
        ...

    async def import_playlist(self, export: PlaylistExport) -> bool:
        """Store an exported playlist under its own ids; False if that id exists already."""
        ...

    # --- library ---------------------------------------------------------------------
    async def save_items(self, user_id: str, kind: SavedKind, item_ids: Sequence[str]) -> None:
        """Save to the user's library (saving again keeps the first date)."""
        ...

    async def remove_items(self, user_id: str, kind: SavedKind, item_ids: Sequence[str]) -> int:
        """Remove from the library; the number actually removed."""
        ...

    async def list_saved(
        self, user_id: str, kind: SavedKind, offset: int, limit: int
    ) -> Page[SavedItem]:
        """Saved items of one kind, most recently saved first."""
        ...

    # --- history -------------------------------------------------------------------------
    async def add_history(self, user_id: str, entries: Sequence[HistoryEntry]) -> None:
        """Record plays (an entry id already stored is ignored) and drop expired ones."""
        ...

    async def add_history_many(self, entries: Mapping[str, Sequence[HistoryEntry]]) -> None:
        """``add_history`` for several users (user id -> plays) in one write: the
        events consumer records a whole batch of reports this way."""
        ...

    async def list_history(self, user_id: str, offset: int, limit: int) -> Page[HistoryEntry]:
        """Plays within the retention period, newest first."""
        ...

    # --- play queue ------------------------------------------------------------------------
    async def get_queue(self, user_id: str) -> PlayQueue:
        """The user's queue (an empty one at version 0 if never set)."""
        ...

    async def put_queue(
        self, user_id: str, queue: PlayQueue, *, base_version: int | None = None
    ) -> PlayQueue:
        """Replace the queue; returns it with the next version and ``updated_at`` set.

        With ``base_version``, raise ``EditConflict`` if the stored version differs.
        """
        ...
