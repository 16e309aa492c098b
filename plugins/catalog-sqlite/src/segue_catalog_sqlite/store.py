"""SQLiteCatalog: the catalog + users slot on one SQLite file (WAL, off the event loop).

Each method runs one function of the modules beside this one on an
AsyncSQLite worker thread: writes in one transaction on the single writer
connection, reads on a pool of reader connections.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from functools import partial
from pathlib import Path

from segue.catalog.transfer import CatalogChunk, ImportCounts
from segue.db.sqlite import AsyncSQLite
from segue.models import (
    Album,
    Artist,
    Credential,
    FileState,
    GenreCount,
    ListQuery,
    Page,
    ScanApplied,
    ScanChanges,
    ScanProblem,
    ScanReport,
    Track,
    User,
)
from segue.social.models import BlockedUser, Friend, FriendRequest, PrivacySettings
from segue_catalog_sqlite import ingest, listing, lookups, scan_state, social, transfer, users
from segue_catalog_sqlite.schema import MIGRATIONS


class SQLiteCatalog:
    """The embedded default ``CatalogBackend`` (see ``segue.slots.catalog``)."""

    def __init__(self, path: Path, *, readers: int = 4) -> None:
        self.path = path
        self._db = AsyncSQLite(path, MIGRATIONS, readers=readers)

    # --- lifecycle ------------------------------------------------------
    async def start(self) -> None:
        await self._db.open()

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()

    # --- ingestion ------------------------------------------------------
    async def file_states(self, root: str) -> dict[str, FileState]:
        return await self._db.read(partial(ingest.file_states, root=root))

    async def apply_scan(self, changes: ScanChanges) -> ScanApplied:
        return await self._db.write(partial(ingest.apply_scan, changes=changes))

    async def replace_problems(self, root: str, problems: Sequence[ScanProblem]) -> None:
        await self._db.write(partial(scan_state.replace_problems, root=root, problems=problems))

    async def list_problems(self) -> list[ScanProblem]:
        return await self._db.read(scan_state.list_problems)

    async def save_scan_report(self, report: ScanReport) -> None:
        await self._db.write(partial(scan_state.save_scan_report, report=report))

    async def last_scan_report(self) -> ScanReport | None:
        return await self._db.read(scan_state.last_scan_report)

    # --- reads ------------------------------------------------------------
    async def get_track(self, track_id: str) -> Track | None:
        return await self._db.read(partial(lookups.get_track, track_id=track_id))

    async def get_tracks(self, track_ids: Sequence[str]) -> list[Track]:
        if not track_ids:
            return []
        return await self._db.read(partial(lookups.get_tracks, track_ids=list(track_ids)))

    async def list_tracks(self, query: ListQuery) -> Page[Track]:
        return await self._db.read(partial(listing.list_tracks, query=query))

    async def get_album(self, album_id: str) -> Album | None:
        return await self._db.read(partial(lookups.get_album, album_id=album_id))

    async def get_albums(self, album_ids: Sequence[str]) -> list[Album]:
        if not album_ids:
            return []
        return await self._db.read(partial(lookups.get_albums, album_ids=list(album_ids)))

    async def list_albums(self, query: ListQuery) -> Page[Album]:
        return await self._db.read(partial(listing.list_albums, query=query))

    async def get_artist(self, artist_id: str) -> Artist | None:
        return await self._db.read(partial(lookups.get_artist, artist_id=artist_id))

    async def get_artists(self, artist_ids: Sequence[str]) -> list[Artist]:
        if not artist_ids:
            return []
        return await self._db.read(partial(lookups.get_artists, artist_ids=list(artist_ids)))

    async def list_artists(self, query: ListQuery) -> Page[Artist]:
        return await self._db.read(partial(listing.list_artists, query=query))

    async def list_genres(self) -> list[GenreCount]:
        return await self._db.read(lookups.list_genres)

    async def add_play_counts(self, counts: dict[str, int]) -> None:
        if counts:
            await self._db.write(partial(lookups.add_play_counts, counts=dict(counts)))

    # --- users and credentials --------------------------------------------
    async def create_user(self, name: str, password_hash: str, *, is_admin: bool) -> User:
        return await self._db.write(
            partial(users.create_user, name=name, password_hash=password_hash, is_admin=is_admin)
        )

    async def get_user(self, user_id: str) -> User | None:
        return await self._db.read(partial(users.get_user, user_id=user_id))

    async def get_user_by_name(self, name: str) -> User | None:
        return await self._db.read(partial(users.get_user_by_name, name=name))

    async def get_password_hash(self, user_id: str) -> str | None:
        return await self._db.read(partial(users.get_password_hash, user_id=user_id))

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self._db.write(
            partial(users.set_password_hash, user_id=user_id, password_hash=password_hash)
        )

    async def list_users(self) -> list[User]:
        return await self._db.read(users.list_users)

    async def count_users(self) -> int:
        return await self._db.read(users.count_users)

    async def add_credential(self, credential: Credential) -> None:
        await self._db.write(partial(users.add_credential, credential=credential))

    async def find_credential(self, token_hash: str) -> tuple[Credential, User] | None:
        return await self._db.read(
            partial(users.find_credential, token_hash=token_hash, now=time.time())
        )

    async def touch_credential(self, credential_id: str, used_at: float) -> None:
        await self._db.write(
            partial(users.touch_credential, credential_id=credential_id, used_at=used_at)
        )

    async def list_credentials(self, user_id: str) -> list[Credential]:
        return await self._db.read(partial(users.list_credentials, user_id=user_id))

    async def delete_credential(self, user_id: str, credential_id: str) -> bool:
        return await self._db.write(
            partial(users.delete_credential, user_id=user_id, credential_id=credential_id)
        )

    # --- social graph -------------------------------------------------------
    async def create_friend_request(self, from_user_id: str, to_user_id: str) -> FriendRequest:
        return await self._db.write(
            partial(social.create_friend_request, from_user_id=from_user_id, to_user_id=to_user_id)
        )

    async def list_friend_requests(self, user_id: str) -> list[FriendRequest]:
        return await self._db.read(partial(social.list_friend_requests, user_id=user_id))

    async def accept_friend_request(self, request_id: str, user_id: str) -> Friend:
        return await self._db.write(
            partial(social.accept_friend_request, request_id=request_id, user_id=user_id)
        )

    async def delete_friend_request(self, request_id: str, user_id: str) -> bool:
        return await self._db.write(
            partial(social.delete_friend_request, request_id=request_id, user_id=user_id)
        )

    async def list_friends(self, user_id: str) -> list[Friend]:
        return await self._db.read(partial(social.list_friends, user_id=user_id))

    async def get_friend(self, user_id: str, friend_id: str) -> Friend | None:
        return await self._db.read(partial(social.get_friend, user_id=user_id, friend_id=friend_id))

    async def remove_friend(self, user_id: str, friend_id: str) -> bool:
        return await self._db.write(
            partial(social.remove_friend, user_id=user_id, friend_id=friend_id)
        )

    async def block_user(self, user_id: str, blocked_id: str) -> BlockedUser:
        return await self._db.write(
            partial(social.block_user, user_id=user_id, blocked_id=blocked_id)
        )

    async def unblock_user(self, user_id: str, blocked_id: str) -> bool:
        return await self._db.write(
            partial(social.unblock_user, user_id=user_id, blocked_id=blocked_id)
        )

    async def list_blocks(self, user_id: str) -> list[BlockedUser]:
        return await self._db.read(partial(social.list_blocks, user_id=user_id))

    async def get_privacy(self, user_id: str) -> PrivacySettings:
        return await self._db.read(partial(social.get_privacy, user_id=user_id))

    async def set_privacy(self, user_id: str, settings: PrivacySettings) -> None:
        await self._db.write(partial(social.set_privacy, user_id=user_id, settings=settings))

    # --- per-user secrets for plugins ---------------------------------------
    async def get_user_secret(self, user_id: str, name: str) -> str | None:
        return await self._db.read(partial(users.get_user_secret, user_id=user_id, name=name))

    async def set_user_secret(self, user_id: str, name: str, value: str | None) -> None:
        await self._db.write(
            partial(users.set_user_secret, user_id=user_id, name=name, value=value)
        )

    # --- moving between backends (CatalogTransfer) -------------------------
    async def export_catalog(self) -> AsyncIterator[CatalogChunk]:
        yield await self._db.read(transfer.export_users)
        after = ""
        while True:
            chunk = await self._db.read(partial(transfer.export_tracks, after=after))
            if not chunk.tracks:
                break
            yield chunk
            after = chunk.tracks[-1].id
        yield await self._db.read(transfer.export_the_rest)

    async def import_catalog(self, chunk: CatalogChunk) -> ImportCounts:
        return await self._db.write(partial(transfer.import_catalog, chunk=chunk))
