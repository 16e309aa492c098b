"""Export and import of the whole catalog (``CatalogTransfer``), for moving between backends.

Imports only insert what is not there yet (documents whose ``_id`` is new),
so running a migration twice stores everything once and never
overwrites what the target changed in between.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from segue.catalog.transfer import (
    BlockRecord,
    CatalogChunk,
    FriendRequestRecord,
    FriendshipRecord,
    ImportCounts,
    PrivacyRecord,
    SecretRecord,
    UserRecord,
)
from segue.errors import Conflict
from segue_catalog_mongodb import aggregates, scan_state, social, users
from segue_catalog_mongodb.documents import (
    Document,
    credential_document,
    credential_from_document,
    track_document,
    track_from_document,
    user_from_document,
)

CHUNK = 1000
"""Records per exported chunk."""


async def export_catalog(db: AsyncDatabase[Document]) -> AsyncIterator[CatalogChunk]:
    yield CatalogChunk(
        users=[
            UserRecord(user=user_from_document(d), password_hash=d["password_hash"])
            async for d in db["users"].find({}).sort("_id", 1)
        ]
    )
    batch: list[Any] = []
    async for doc in db["tracks"].find({}).sort("_id", 1):
        batch.append(track_from_document(doc))
        if len(batch) >= CHUNK:
            yield CatalogChunk(tracks=batch)
            batch = []
    if batch:
        yield CatalogChunk(tracks=batch)
    yield CatalogChunk(
        credentials=[credential_from_document(d) async for d in db["credentials"].find({})],
        friendships=[
            FriendshipRecord(user_id=d["user_id"], friend_id=d["friend_id"], since=d["since"])
            async for d in db["friendships"].find({})
        ],
        friend_requests=[
            FriendRequestRecord(
                id=d["_id"],
                from_user_id=d["from_user_id"],
                to_user_id=d["to_user_id"],
                created_at=d["created_at"],
            )
            async for d in db["friend_requests"].find({})
        ],
        blocks=[
            BlockRecord(
                user_id=d["user_id"], blocked_id=d["blocked_id"], blocked_at=d["blocked_at"]
            )
            async for d in db["blocks"].find({})
        ],
        privacy=[
            PrivacyRecord(user_id=d["_id"], settings=await social.get_privacy(db, d["_id"]))
            async for d in db["privacy"].find({}, {"_id": 1})
        ],
        secrets=[
            SecretRecord(user_id=d["user_id"], name=d["name"], value=d["value"])
            async for d in db["user_secrets"].find({})
        ],
        problems=await scan_state.list_problems(db),
        scan_report=await scan_state.last_scan_report(db),
    )


async def _insert_missing(db: AsyncDatabase[Document], name: str, docs: list[Document]) -> int:
    """Insert the documents whose ``_id`` is not stored yet; return how many were new."""
    if not docs:
        return 0
    ids = [doc["_id"] for doc in docs]
    stored = {d["_id"] async for d in db[name].find({"_id": {"$in": ids}}, {"_id": 1})}
    fresh = [doc for doc in docs if doc["_id"] not in stored]
    if not fresh:
        return 0
    try:
        result = await db[name].insert_many(fresh, ordered=False)
    except BulkWriteError as exc:  # another run inserted some meanwhile: theirs stay
        return int(exc.details.get("nInserted", 0))
    return len(result.inserted_ids)


async def _check_user_names(db: AsyncDatabase[Document], records: list[UserRecord]) -> None:
    keys = {users.name_key(r.user.name): r for r in records}
    cursor = db["users"].find({"name_key": {"$in": sorted(keys)}}, {"name": 1, "name_key": 1})
    async for doc in cursor:
        record = keys[doc["name_key"]]
        if doc["_id"] != record.user.id:
            raise Conflict(
                f"the target catalog already has a user named '{doc['name']}' (id "
                f"'{doc['_id']}') that is not the migrated '{record.user.name}' (id "
                f"'{record.user.id}'); migrate into an empty database, or remove that user"
            )


async def import_catalog(db: AsyncDatabase[Document], chunk: CatalogChunk) -> ImportCounts:
    counts = ImportCounts()
    await _check_user_names(db, chunk.users)
    counts.users = await _insert_missing(
        db, "users", [users.user_document(r.user, r.password_hash) for r in chunk.users]
    )
    if chunk.tracks:
        docs = [track_document(track) for track in chunk.tracks]
        counts.tracks = await _insert_missing(db, "tracks", docs)
        touched = aggregates.Touched()
        for doc in docs:
            touched.add_document(doc)
        await aggregates.recompute(db, touched)
    counts.credentials = await _insert_missing(
        db, "credentials", [credential_document(c) for c in chunk.credentials]
    )
    friendship_docs = {
        social.pair_id(a, b): {
            "_id": social.pair_id(a, b),
            "user_id": a,
            "friend_id": b,
            "since": f.since,
        }
        for f in chunk.friendships
        for a, b in ((f.user_id, f.friend_id), (f.friend_id, f.user_id))
    }
    counts.friendships = await _insert_missing(db, "friendships", list(friendship_docs.values()))
    counts.friend_requests = await _insert_missing(
        db,
        "friend_requests",
        [
            social.request_document(r.id, r.from_user_id, r.to_user_id, r.created_at)
            for r in chunk.friend_requests
        ],
    )
    counts.blocks = await _insert_missing(
        db,
        "blocks",
        [
            {
                "_id": social.pair_id(b.user_id, b.blocked_id),
                "user_id": b.user_id,
                "blocked_id": b.blocked_id,
                "blocked_at": b.blocked_at,
            }
            for b in chunk.blocks
        ],
    )
    counts.privacy = await _insert_missing(
        db, "privacy", [social.privacy_document(p.user_id, p.settings) for p in chunk.privacy]
    )
    counts.secrets = await _insert_missing(
        db,
        "user_secrets",
        [
            {
                "_id": users.secret_id(s.user_id, s.name),
                "user_id": s.user_id,
                "name": s.name,
                "value": s.value,
            }
            for s in chunk.secrets
        ],
    )
    counts.problems = await _insert_missing(
        db,
        "scan_problems",
        [
            {
                "_id": scan_state.problem_id(p.root, p.relpath),
                "root": p.root,
                "relpath": p.relpath,
                "reason": p.reason,
                "seen_at": p.seen_at,
            }
            for p in chunk.problems
        ],
    )
    if chunk.scan_report is not None and await scan_state.last_scan_report(db) is None:
        await scan_state.save_scan_report(db, chunk.scan_report)
    return counts
