"""SQLitePlaylists: the playlists slot on one SQLite file (WAL, off the event loop)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from functools import partial
from pathlib import Path

from segue.db.sqlite import AsyncSQLite
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
    new_playlist,
)
from segue.slots.playlists import PlaylistsConfig
from segue_playlists_sqlite import personal, playlist_rows
from segue_playlists_sqlite.schema import MIGRATIONS

DAY_S = 86_400.0


class SQLitePlaylists:
    """The embedded default ``PlaylistsBackend`` (see ``segue.slots.playlists``).

    Every edit of a playlist is one write transaction on the single writer
    connection, so concurrent edits are applied one after the other.
    """

    def __init__(self, path: Path, settings: PlaylistsConfig, *, readers: int = 4) -> None:
        self.path = path
        self.settings = settings
        self._db = AsyncSQLite(path, MIGRATIONS, readers=readers)

    # --- lifecycle ---------------------------------------------------------
    async def start(self) -> None:
        await self._db.open()

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()

    # --- playlists ------------------------------------------------------------
    async def create_playlist(
        self,
        owner_id: str,
        name: str,
        *,
        description: str = "",
        public: bool = False,
        collaborative: bool = False,
    ) -> Playlist:
        playlist = new_playlist(
            owner_id, name, description=description, public=public, collaborative=collaborative
        )
        return await self._db.write(partial(playlist_rows.create_playlist, playlist=playlist))

    async def get_playlist(self, playlist_id: str) -> Playlist | None:
        return await self._db.read(partial(playlist_rows.get_playlist, playlist_id=playlist_id))

    async def list_playlists(self, user_id: str) -> list[Playlist]:
        return await self._db.read(partial(playlist_rows.list_playlists, user_id=user_id))

    async def update_playlist(
        self, playlist_id: str, update: MetadataUpdate, *, base_version: int | None = None
    ) -> Playlist:
        return await self._db.write(
            partial(
                playlist_rows.update_playlist,
                playlist_id=playlist_id,
                update=update,
                base_version=base_version,
                now=time.time(),
            )
        )

    async def delete_playlist(self, playlist_id: str) -> bool:
        return await self._db.write(partial(playlist_rows.delete_playlist, playlist_id=playlist_id))

    async def list_entries(self, playlist_id: str, offset: int, limit: int) -> Page[Entry]:
        return await self._db.read(
            partial(playlist_rows.list_entries, playlist_id=playlist_id, offset=offset, limit=limit)
        )

    async def edit_entries(
        self,
        playlist_id: str,
        user_id: str,
        ops: Sequence[EditOp],
        *,
        base_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> EditResult:
        return await self._db.write(
            partial(
                playlist_rows.edit_entries,
                playlist_id=playlist_id,
                user_id=user_id,
                ops=ops,
                base_version=base_version,
                idempotency_key=idempotency_key,
                idempotency_ttl_s=self.settings.idempotency_ttl_s,
                now=time.time(),
            )
        )

    async def set_collaborator(self, playlist_id: str, user_id: str, *, add: bool) -> Playlist:
        return await self._db.write(
            partial(
                playlist_rows.set_collaborator,
                playlist_id=playlist_id,
                user_id=user_id,
                add=add,
                now=time.time(),
            )
        )

    async def set_following(self, playlist_id: str, user_id: str, *, follow: bool) -> Playlist:
        return await self._db.write(
            partial(
                playlist_rows.set_following,
                playlist_id=playlist_id,
                user_id=user_id,
                follow=follow,
                now=time.time(),
            )
        )

    async def list_followers(self, playlist_id: str) -> list[str]:
        return await self._db.read(partial(playlist_rows.list_followers, playlist_id=playlist_id))

    async def export_playlists(self) -> AsyncIterator[PlaylistExport]:
        for playlist_id in await self._db.read(playlist_rows.playlist_ids):
            export = await self._db.read(
                partial(playlist_rows.export_playlist, playlist_id=playlist_id)
            )
            if export is not None:  # deleted while exporting
                yield export

    async def import_playlist(self, export: PlaylistExport) -> bool:
        return await self._db.write(partial(playlist_rows.import_playlist, export=export))

    # --- library -------------------------------------------------------------------
    async def save_items(self, user_id: str, kind: SavedKind, item_ids: Sequence[str]) -> None:
        await self._db.write(
            partial(
                personal.save_items, user_id=user_id, kind=kind, item_ids=item_ids, now=time.time()
            )
        )

    async def remove_items(self, user_id: str, kind: SavedKind, item_ids: Sequence[str]) -> int:
        return await self._db.write(
            partial(personal.remove_items, user_id=user_id, kind=kind, item_ids=item_ids)
        )

    async def list_saved(
        self, user_id: str, kind: SavedKind, offset: int, limit: int
    ) -> Page[SavedItem]:
        return await self._db.read(
            partial(personal.list_saved, user_id=user_id, kind=kind, offset=offset, limit=limit)
        )

    # --- history ----------------------------------------------------------------------
    def _history_cutoff(self) -> float:
        return time.time() - self.settings.history_retention_days * DAY_S

    async def add_history(self, user_id: str, entries: Sequence[HistoryEntry]) -> None:
        await self.add_history_many({user_id: entries})

    async def add_history_many(self, entries: Mapping[str, Sequence[HistoryEntry]]) -> None:
        await self._db.write(
            partial(personal.add_history, entries=entries, cutoff=self._history_cutoff())
        )

    async def list_history(self, user_id: str, offset: int, limit: int) -> Page[HistoryEntry]:
        return await self._db.read(
            partial(
                personal.list_history,
                user_id=user_id,
                offset=offset,
                limit=limit,
                cutoff=self._history_cutoff(),
            )
        )

    # --- play queue ----------------------------------------------------------------------
    async def get_queue(self, user_id: str) -> PlayQueue:
        return await self._db.read(partial(personal.get_queue, user_id=user_id))

    async def put_queue(
        self, user_id: str, queue: PlayQueue, *, base_version: int | None = None
    ) -> PlayQueue:
        return await self._db.write(
            partial(
                personal.put_queue,
                user_id=user_id,
                queue=queue,
                base_version=base_version,
                now=time.time(),
            )
        )
