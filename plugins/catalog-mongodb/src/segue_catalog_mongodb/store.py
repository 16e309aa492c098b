"""MongoCatalog: the catalog + users slot in MongoDB, through PyMongo's async API.

Each method runs one function of the modules beside this one against the
database. Every process shares the one database, so all state (play counts,
users, tokens, the social graph) is seen by every Segue process at once.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from segue.catalog.transfer import CatalogChunk, ImportCounts
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
from segue_catalog_mongodb import ingest, listing, lookups, scan_state, social, transfer, users
from segue_catalog_mongodb.documents import Document

# (collection, keys, unique?): created at start; creating an existing index is a no-op.
INDEXES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("tracks", ("root", "relpath"), False),
    ("tracks", ("album_id",), False),
    ("tracks", ("artist_id",), False),
    ("tracks", ("album_artist_id",), False),
    ("tracks", ("title_key",), False),
    ("tracks", ("genre_keys",), False),
    ("albums", ("title_key",), False),
    ("albums", ("artist_id",), False),
    ("artists", ("name_key",), False),
    ("users", ("name_key",), True),
    ("credentials", ("token_hash",), True),
    ("credentials", ("user_id",), False),
    ("friendships", ("user_id",), False),
    ("friend_requests", ("pair",), True),
    ("friend_requests", ("to_user_id",), False),
    ("friend_requests", ("from_user_id",), False),
    ("blocks", ("user_id",), False),
)


class MongoCatalog:
    """``CatalogBackend`` (and ``CatalogTransfer``) on MongoDB or a MongoDB-wire server."""

    def __init__(self, url: str, database: str) -> None:
        self.url = url
        self.database_name = database
        self._client: AsyncMongoClient[Document] | None = None
        self._swap_writes = False
        """True on FerretDB: writes take the paths it runs fast (see ``ingest``)."""

    # --- lifecycle ------------------------------------------------------
    async def start(self) -> None:
        self._client = AsyncMongoClient(self.url, serverSelectionTimeoutMS=10_000, tz_aware=False)
        await self._db.command("ping")
        # FerretDB says who it is in buildInfo; see ingest's notes on its slow updates.
        info = await self._db.command("buildInfo")
        self._swap_writes = "ferretdbVersion" in info
        for collection, keys, unique in INDEXES:
            await self._db[collection].create_index(
                [(key, ASCENDING) for key in keys], unique=unique
            )

    async def ping(self) -> None:
        await self._db.command("ping")

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    @property
    def _db(self) -> AsyncDatabase[Document]:
        if self._client is None:
            raise RuntimeError("the MongoDB catalog backend is not started")
        return self._client[self.database_name]

    # --- ingestion ------------------------------------------------------
    async def file_states(self, root: str) -> dict[str, FileState]:
        return await ingest.file_states(self._db, root)

    async def apply_scan(self, changes: ScanChanges) -> ScanApplied:
        return await ingest.apply_scan(self._db, changes, swap=self._swap_writes)

    async def replace_problems(self, root: str, problems: Sequence[ScanProblem]) -> None:
        await scan_state.replace_problems(self._db, root, problems)

    async def list_problems(self) -> list[ScanProblem]:
        return await scan_state.list_problems(self._db)

    async def save_scan_report(self, report: ScanReport) -> None:
        await scan_state.save_scan_report(self._db, report)

    async def last_scan_report(self) -> ScanReport | None:
        return await scan_state.last_scan_report(self._db)

    # --- reads ------------------------------------------------------------
    async def get_track(self, track_id: str) -> Track | None:
        return await lookups.get_track(self._db, track_id)

    async def get_tracks(self, track_ids: Sequence[str]) -> list[Track]:
        return await lookups.get_tracks(self._db, track_ids) if track_ids else []

    async def list_tracks(self, query: ListQuery) -> Page[Track]:
        return await listing.list_tracks(self._db, query)

    async def get_album(self, album_id: str) -> Album | None:
        return await lookups.get_album(self._db, album_id)

    async def get_albums(self, album_ids: Sequence[str]) -> list[Album]:
        return await lookups.get_albums(self._db, album_ids) if album_ids else []

    async def list_albums(self, query: ListQuery) -> Page[Album]:
        return await listing.list_albums(self._db, query)

    async def get_artist(self, artist_id: str) -> Artist | None:
        return await lookups.get_artist(self._db, artist_id)

    async def get_artists(self, artist_ids: Sequence[str]) -> list[Artist]:
        return await lookups.get_artists(self._db, artist_ids) if artist_ids else []

    async def list_artists(self, query: ListQuery) -> Page[Artist]:
        return await listing.list_artists(self._db, query)

    async def list_genres(self) -> list[GenreCount]:
        return await lookups.list_genres(self._db)

    async def add_play_counts(self, counts: dict[str, int]) -> None:
        await lookups.add_play_counts(self._db, counts, claimed=self._swap_writes)

    # --- users and credentials --------------------------------------------
    async def create_user(self, name: str, password_hash: str, *, is_admin: bool) -> User:
        return await users.create_user(self._db, name, password_hash, is_admin=is_admin)

    async def get_user(self, user_id: str) -> User | None:
        return await users.get_user(self._db, user_id)

    async def get_user_by_name(self, name: str) -> User | None:
        return await users.get_user_by_name(self._db, name)

    async def get_password_hash(self, user_id: str) -> str | None:
        return await users.get_password_hash(self._db, user_id)

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await users.set_password_hash(self._db, user_id, password_hash)

    async def list_users(self) -> list[User]:
        return await users.list_users(self._db)

    async def count_users(self) -> int:
        return await users.count_users(self._db)

    async def add_credential(self, credential: Credential) -> None:
        await users.add_credential(self._db, credential)

    async def find_credential(self, token_hash: str) -> tuple[Credential, User] | None:
        return await users.find_credential(self._db, token_hash, time.time())

    async def touch_credential(self, credential_id: str, used_at: float) -> None:
        await users.touch_credential(self._db, credential_id, used_at)

    async def list_credentials(self, user_id: str) -> list[Credential]:
        return await users.list_credentials(self._db, user_id)

    async def delete_credential(self, user_id: str, credential_id: str) -> bool:
        return await users.delete_credential(self._db, user_id, credential_id)

    # --- social graph -------------------------------------------------------
    async def create_friend_request(self, from_user_id: str, to_user_id: str) -> FriendRequest:
        return await social.create_friend_request(self._db, from_user_id, to_user_id)

    async def list_friend_requests(self, user_id: str) -> list[FriendRequest]:
        return await social.list_friend_requests(self._db, user_id)

    async def accept_friend_request(self, request_id: str, user_id: str) -> Friend:
        return await social.accept_friend_request(self._db, request_id, user_id)

    async def delete_friend_request(self, request_id: str, user_id: str) -> bool:
        return await social.delete_friend_request(self._db, request_id, user_id)

    async def list_friends(self, user_id: str) -> list[Friend]:
        return await social.list_friends(self._db, user_id)

    async def get_friend(self, user_id: str, friend_id: str) -> Friend | None:
        return await social.get_friend(self._db, user_id, friend_id)

    async def remove_friend(self, user_id: str, friend_id: str) -> bool:
        return await social.remove_friend(self._db, user_id, friend_id)

    async def block_user(self, user_id: str, blocked_id: str) -> BlockedUser:
        return await social.block_user(self._db, user_id, blocked_id)

    async def unblock_user(self, user_id: str, blocked_id: str) -> bool:
        return await social.unblock_user(self._db, user_id, blocked_id)

    async def list_blocks(self, user_id: str) -> list[BlockedUser]:
        return await social.list_blocks(self._db, user_id)

    async def get_privacy(self, user_id: str) -> PrivacySettings:
        return await social.get_privacy(self._db, user_id)

    async def set_privacy(self, user_id: str, settings: PrivacySettings) -> None:
        await social.set_privacy(self._db, user_id, settings)

    # --- per-user secrets for plugins ---------------------------------------
    async def get_user_secret(self, user_id: str, name: str) -> str | None:
        return await users.get_user_secret(self._db, user_id, name)

    async def set_user_secret(self, user_id: str, name: str, value: str | None) -> None:
        await users.set_user_secret(self._db, user_id, name, value)

    # --- moving between backends (CatalogTransfer) -------------------------
    def export_catalog(self) -> AsyncIterator[CatalogChunk]:
        return transfer.export_catalog(self._db)

    async def import_catalog(self, chunk: CatalogChunk) -> ImportCounts:
        return await transfer.import_catalog(self._db, chunk)
