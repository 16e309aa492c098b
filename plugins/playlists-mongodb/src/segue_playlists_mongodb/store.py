"""MongoPlaylists: the playlists slot in MongoDB, through PyMongo's async API.

Every change to a playlist document claims its next version first: it
inserts ``{_id: "<playlist>:<version>"}`` into ``playlist_changes`` (the
unique ``_id`` lets one writer win), then writes the document with an
``update_one`` whose filter names the version it read. A writer that loses
the claim re-reads the document and rebases its edit on it. The claim
documents are also the change log used to rebase late writers. (Claiming
first matters on servers whose updates are not atomic read-modify-writes,
such as FerretDB; on MongoDB the version filter alone would do.)
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import anyio
import msgspec
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from segue.errors import NotFound
from segue.models import Page
from segue.playlists.edits import (
    CHANGE_LOG_SIZE,
    EditConflict,
    EntryEditor,
    check_base,
    check_fields,
    public,
)
from segue.playlists.models import (
    Change,
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
    StoredEntry,
    new_playlist,
)
from segue.slots.playlists import PlaylistsConfig
from segue_playlists_mongodb import documents

Document = dict[str, Any]
DAY_S = 86_400.0
MAX_ATTEMPTS = 100
"""Optimistic writes retried this often under contention before giving up with a 409."""
PRUNE_EVERY = 50
"""Change documents older than the rebase window are deleted every this many versions."""
QUEUE_VERSIONS_KEPT = 5
"""Older versions of a queue are deleted; a few stay so a slow reader still finds one."""
STALE_CLAIM_S = 30.0
"""A version claim this old whose playlist never reached that version is cleared."""
_METADATA_ONLY = {"entries": 0, "idempotency": 0}


def _new_id() -> str:
    return uuid.uuid4().hex


async def _backoff(attempt: int) -> None:
    """Sleep a little, more after each lost race, so that contenders spread out."""
    await anyio.sleep(random.random() * min(0.05, 0.002 * (attempt + 1)))


class MongoPlaylists:
    """``PlaylistsBackend`` on MongoDB (or a MongoDB-wire server such as FerretDB)."""

    def __init__(self, url: str, database: str, settings: PlaylistsConfig) -> None:
        self.url = url
        self.database_name = database
        self.settings = settings
        self._client: AsyncMongoClient[Document] | None = None
        # Writers in this process take turns per playlist, so they do not race (and
        # retry) against each other; the version claim still guards across processes.
        self._locks: weakref.WeakValueDictionary[str, anyio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, playlist_id: str) -> anyio.Lock:
        lock = self._locks.get(playlist_id)
        if lock is None:
            lock = anyio.Lock()
            self._locks[playlist_id] = lock
        return lock

    # --- lifecycle --------------------------------------------------------------
    async def start(self) -> None:
        self._client = AsyncMongoClient(self.url, serverSelectionTimeoutMS=10_000, tz_aware=False)
        await self._db.command("ping")
        await self._ensure_indexes()

    async def _ensure_indexes(self) -> None:
        await self._playlists.create_index([("owner_id", ASCENDING)])
        await self._playlists.create_index([("collaborators", ASCENDING)])
        await self._followers.create_index([("user_id", ASCENDING)])
        await self._followers.create_index([("playlist_id", ASCENDING)])
        await self._changes.create_index([("playlist_id", ASCENDING), ("version", ASCENDING)])
        await self._library.create_index(
            [("user_id", ASCENDING), ("kind", ASCENDING), ("saved_at", DESCENDING)]
        )
        await self._history.create_index([("user_id", ASCENDING), ("played_at", DESCENDING)])
        await self._history.create_index([("played_at", ASCENDING)])
        await self._queues.create_index([("user_id", ASCENDING), ("version", DESCENDING)])

    async def ping(self) -> None:
        await self._db.command("ping")

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    @property
    def _db(self) -> AsyncDatabase[Document]:
        if self._client is None:
            raise RuntimeError("the MongoDB playlists backend is not started")
        return self._client[self.database_name]

    @property
    def _playlists(self) -> AsyncCollection[Document]:
        return self._db["playlists"]

    @property
    def _changes(self) -> AsyncCollection[Document]:
        return self._db["playlist_changes"]

    @property
    def _followers(self) -> AsyncCollection[Document]:
        return self._db["playlist_followers"]

    @property
    def _library(self) -> AsyncCollection[Document]:
        return self._db["library"]

    @property
    def _history(self) -> AsyncCollection[Document]:
        return self._db["history"]

    @property
    def _queues(self) -> AsyncCollection[Document]:
        return self._db["queues"]

    # --- playlists ------------------------------------------------------------------
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
        await self._playlists.insert_one(documents.playlist_document(playlist, []))
        return playlist

    async def get_playlist(self, playlist_id: str) -> Playlist | None:
        document = await self._playlists.find_one({"_id": playlist_id}, _METADATA_ONLY)
        return None if document is None else await self._with_followers(document)

    async def _playlist(self, playlist_id: str) -> Playlist:
        return await self._with_followers(await self._require(playlist_id, _METADATA_ONLY))

    async def _with_followers(self, document: Document) -> Playlist:
        # Counted, not stored: the playlist document changes only under a version claim.
        count = await self._followers.count_documents({"playlist_id": document["_id"]})
        return msgspec.structs.replace(documents.playlist_from(document), follower_count=count)

    async def _require(self, playlist_id: str, projection: Document | None = None) -> Document:
        document = await self._playlists.find_one({"_id": playlist_id}, projection)
        if document is None:
            raise NotFound(f"no playlist with id {playlist_id!r}")
        return document

    async def list_playlists(self, user_id: str) -> list[Playlist]:
        followed = [d["playlist_id"] async for d in self._followers.find({"user_id": user_id})]
        cursor = self._playlists.find(
            {
                "$or": [
                    {"owner_id": user_id},
                    {"collaborators": user_id},
                    {"_id": {"$in": followed}},
                ]
            },
            _METADATA_ONLY,
        )
        playlists = [await self._with_followers(d) async for d in cursor]
        playlists.sort(key=lambda p: (-p.updated_at, p.id))
        return playlists

    async def _changes_since(self, playlist_id: str, base: int, current: int) -> list[Change]:
        cursor = self._changes.find(
            {"playlist_id": playlist_id, "version": {"$gt": base, "$lte": current}}
        )
        changes = [msgspec.convert(d["change"], Change) async for d in cursor]
        return sorted(changes, key=lambda c: c.version)

    async def _since(self, document: Document, base_version: int | None) -> list[Change]:
        version: int = document["version"]
        if base_version is None or base_version >= version:
            return check_base(base_version, version, [])
        changes = await self._changes_since(document["_id"], base_version, version)
        return check_base(base_version, version, changes)

    async def _commit(
        self, document: Document, change: Change, fields: Document, now: float
    ) -> bool:
        """Claim version ``change.version`` and write ``fields``; False if another writer won."""
        playlist_id = document["_id"]
        version: int = document["version"]
        claim_id = f"{playlist_id}:{change.version}"
        try:
            await self._changes.insert_one(
                {
                    "_id": claim_id,
                    "playlist_id": playlist_id,
                    "version": change.version,
                    "change": msgspec.to_builtins(change),
                    "created_at": now,
                }
            )
        except DuplicateKeyError:
            await self._clear_stale_claim(claim_id, playlist_id, version, now)
            return False
        written = await self._playlists.update_one(
            {"_id": playlist_id, "version": version},
            {"$set": {**fields, "version": change.version, "updated_at": now}},
        )
        if not written.matched_count:  # deleted meanwhile, or the claim was judged stale
            await self._changes.delete_one({"_id": claim_id})
            return False
        if change.version % PRUNE_EVERY == 0:
            await self._changes.delete_many(
                {"playlist_id": playlist_id, "version": {"$lte": change.version - CHANGE_LOG_SIZE}}
            )
        return True

    async def _clear_stale_claim(
        self, claim_id: str, playlist_id: str, version: int, now: float
    ) -> None:
        """A claim whose writer died before writing the document would block the playlist."""
        claim = await self._changes.find_one({"_id": claim_id})
        if claim is None or claim["created_at"] > now - STALE_CLAIM_S:
            return
        current = await self._playlists.find_one({"_id": playlist_id}, {"version": 1})
        if current is not None and current["version"] == version:
            await self._changes.delete_one({"_id": claim_id, "created_at": claim["created_at"]})

    async def update_playlist(
        self, playlist_id: str, update: MetadataUpdate, *, base_version: int | None = None
    ) -> Playlist:
        async with self._lock(playlist_id):
            return await self._update_playlist(playlist_id, update, base_version)

    async def _update_playlist(
        self, playlist_id: str, update: MetadataUpdate, base_version: int | None
    ) -> Playlist:
        fields = update.fields()
        version = 0
        for attempt in range(MAX_ATTEMPTS):
            document = await self._require(playlist_id, _METADATA_ONLY)
            version = document["version"]
            since = await self._since(document, base_version)
            check_fields(fields, since, version)
            values = {f: getattr(update, f) for f in fields}
            change = Change(version=version + 1, fields=fields)
            if await self._commit(document, change, values, time.time()):
                return await self._playlist(playlist_id)
            await _backoff(attempt)
        raise EditConflict("the playlist is too busy right now: try again", version)

    async def delete_playlist(self, playlist_id: str) -> bool:
        deleted = await self._playlists.delete_one({"_id": playlist_id})
        await self._followers.delete_many({"playlist_id": playlist_id})
        await self._changes.delete_many({"playlist_id": playlist_id})
        return deleted.deleted_count > 0

    async def list_entries(self, playlist_id: str, offset: int, limit: int) -> Page[Entry]:
        document = await self._require(playlist_id, {"entries": 1})
        live = [e for e in documents.entries_from(document) if not e.removed]
        return Page(
            items=public(live[offset : offset + limit]),
            total=len(live),
            offset=offset,
            limit=limit,
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
        async with self._lock(playlist_id):
            return await self._edit_entries(
                playlist_id, user_id, ops, base_version, idempotency_key
            )

    async def _edit_entries(
        self,
        playlist_id: str,
        user_id: str,
        ops: Sequence[EditOp],
        base_version: int | None,
        idempotency_key: str | None,
    ) -> EditResult:
        version = 0
        for attempt in range(MAX_ATTEMPTS):
            document = await self._require(playlist_id)
            version = document["version"]
            now = time.time()
            keys = [
                k
                for k in document.get("idempotency", [])
                if k["created_at"] >= now - self.settings.idempotency_ttl_s
            ]
            for key in keys:
                if key["user_id"] == user_id and key["key"] == idempotency_key:
                    return documents.result_from(key["result"])
            editor = EntryEditor(
                documents.entries_from(document),
                current_version=version,
                since=await self._since(document, base_version),
                user_id=user_id,
                now=now,
                new_id=_new_id,
            )
            editor.apply(ops)
            result = EditResult(
                playlist_id=playlist_id,
                version=version + 1,
                base_version=version,
                diff=editor.diff,
                entry_count=editor.live_count,
            )
            if idempotency_key is not None:
                keys.append(
                    {
                        "user_id": user_id,
                        "key": idempotency_key,
                        "created_at": now,
                        "result": msgspec.to_builtins(result),
                    }
                )
            fields = {
                "entries": msgspec.to_builtins(editor.entries),
                "entry_count": editor.live_count,
                "idempotency": keys,
            }
            if await self._commit(document, editor.change(version + 1), fields, now):
                return result
            await _backoff(attempt)
        raise EditConflict("the playlist is too busy right now: try again", version)

    async def set_collaborator(self, playlist_id: str, user_id: str, *, add: bool) -> Playlist:
        async with self._lock(playlist_id):
            return await self._set_collaborator(playlist_id, user_id, add)

    async def _set_collaborator(self, playlist_id: str, user_id: str, add: bool) -> Playlist:
        version = 0
        for attempt in range(MAX_ATTEMPTS):
            document = await self._require(playlist_id, _METADATA_ONLY)
            version = document["version"]
            collaborators = [u for u in document.get("collaborators", []) if u != user_id]
            if add:
                collaborators = sorted([*collaborators, user_id])
            if collaborators == document.get("collaborators", []):
                return await self._playlist(playlist_id)
            change = Change(version=version + 1, fields=["collaborators"])
            if await self._commit(document, change, {"collaborators": collaborators}, time.time()):
                return await self._playlist(playlist_id)
            await _backoff(attempt)
        raise EditConflict("the playlist is too busy right now: try again", version)

    async def set_following(self, playlist_id: str, user_id: str, *, follow: bool) -> Playlist:
        await self._require(playlist_id, {"_id": 1})
        key = f"{playlist_id}:{user_id}"
        if follow:
            with contextlib.suppress(DuplicateKeyError):
                await self._followers.insert_one(
                    {
                        "_id": key,
                        "playlist_id": playlist_id,
                        "user_id": user_id,
                        "followed_at": time.time(),
                    }
                )
        else:
            await self._followers.delete_one({"_id": key})
        return await self._playlist(playlist_id)

    async def list_followers(self, playlist_id: str) -> list[str]:
        await self._require(playlist_id, {"_id": 1})
        cursor = self._followers.find({"playlist_id": playlist_id})
        found = [d async for d in cursor]
        found.sort(key=lambda d: (d["followed_at"], d["user_id"]))
        return [d["user_id"] for d in found]

    async def export_playlists(self) -> AsyncIterator[PlaylistExport]:
        async for document in self._playlists.find({}, {"idempotency": 0}):
            playlist = documents.playlist_from(document)
            live = [e for e in documents.entries_from(document) if not e.removed]
            yield PlaylistExport(
                playlist=playlist,
                entries=public(live),
                followers=await self.list_followers(playlist.id),
            )

    async def import_playlist(self, export: PlaylistExport) -> bool:
        playlist = msgspec.structs.replace(
            export.playlist, entry_count=len(export.entries), follower_count=len(export.followers)
        )
        entries = [StoredEntry(**msgspec.structs.asdict(e)) for e in export.entries]
        try:
            await self._playlists.insert_one(documents.playlist_document(playlist, entries))
        except DuplicateKeyError:
            return False
        for user_id in export.followers:
            with contextlib.suppress(DuplicateKeyError):
                await self._followers.insert_one(
                    {
                        "_id": f"{playlist.id}:{user_id}",
                        "playlist_id": playlist.id,
                        "user_id": user_id,
                        "followed_at": playlist.updated_at,
                    }
                )
        return True

    # --- library ------------------------------------------------------------------------
    async def save_items(self, user_id: str, kind: SavedKind, item_ids: Sequence[str]) -> None:
        now = time.time()
        for item_id in dict.fromkeys(item_ids):
            await self._library.update_one(
                {"_id": f"{user_id}:{kind}:{item_id}"},
                {
                    "$setOnInsert": {
                        "user_id": user_id,
                        "kind": kind,
                        "item_id": item_id,
                        "saved_at": now,
                    }
                },
                upsert=True,
            )

    async def remove_items(self, user_id: str, kind: SavedKind, item_ids: Sequence[str]) -> int:
        keys = [f"{user_id}:{kind}:{i}" for i in dict.fromkeys(item_ids)]
        deleted = await self._library.delete_many({"_id": {"$in": keys}})
        return deleted.deleted_count

    async def list_saved(
        self, user_id: str, kind: SavedKind, offset: int, limit: int
    ) -> Page[SavedItem]:
        query = {"user_id": user_id, "kind": kind}
        total = await self._library.count_documents(query)
        cursor = (
            self._library.find(query)
            .sort([("saved_at", DESCENDING), ("item_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        items = [
            SavedItem(kind=kind, item_id=d["item_id"], saved_at=d["saved_at"]) async for d in cursor
        ]
        return Page(items=items, total=total, offset=offset, limit=limit)

    # --- history --------------------------------------------------------------------------
    def _history_cutoff(self) -> float:
        return time.time() - self.settings.history_retention_days * DAY_S

    async def add_history(self, user_id: str, entries: Sequence[HistoryEntry]) -> None:
        await self.add_history_many({user_id: entries})

    async def add_history_many(self, entries: Mapping[str, Sequence[HistoryEntry]]) -> None:
        cutoff = self._history_cutoff()
        # Upserts keyed by the event id: a redelivered play is stored once.
        writes = [
            UpdateOne({"_id": document["_id"]}, {"$setOnInsert": document}, upsert=True)
            for user_id, user_entries in entries.items()
            for document in (
                documents.history_document(user_id, entry)
                for entry in user_entries
                if entry.played_at >= cutoff
            )
        ]
        if writes:
            await self._history.bulk_write(writes, ordered=False)
        await self._history.delete_many({"played_at": {"$lt": cutoff}})

    async def list_history(self, user_id: str, offset: int, limit: int) -> Page[HistoryEntry]:
        query = {"user_id": user_id, "played_at": {"$gte": self._history_cutoff()}}
        total = await self._history.count_documents(query)
        cursor = (
            self._history.find(query)
            .sort([("played_at", DESCENDING), ("id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        items = [documents.history_from(d) async for d in cursor]
        return Page(items=items, total=total, offset=offset, limit=limit)

    # --- play queue ------------------------------------------------------------------------------
    async def get_queue(self, user_id: str) -> PlayQueue:
        cursor = self._queues.find({"user_id": user_id}).sort("version", DESCENDING).limit(1)
        latest = [d async for d in cursor]
        return documents.queue_from(latest[0] if latest else None)

    async def put_queue(
        self, user_id: str, queue: PlayQueue, *, base_version: int | None = None
    ) -> PlayQueue:
        # Each version is its own document: the unique _id lets one writer per version win.
        for attempt in range(MAX_ATTEMPTS):
            current = await self.get_queue(user_id)
            if base_version is not None and base_version != current.version:
                raise EditConflict(
                    f"the queue changed since version {base_version} (now version "
                    f"{current.version}): reload it and try again",
                    current.version,
                )
            stored = msgspec.structs.replace(
                queue, version=current.version + 1, updated_at=time.time()
            )
            try:
                await self._queues.insert_one(documents.queue_document(user_id, stored))
            except DuplicateKeyError:
                await _backoff(attempt)
                continue
            await self._queues.delete_many(
                {"user_id": user_id, "version": {"$lt": stored.version - QUEUE_VERSIONS_KEPT}}
            )
            return stored
        raise EditConflict("the queue is too busy right now: try again", base_version or 0)
