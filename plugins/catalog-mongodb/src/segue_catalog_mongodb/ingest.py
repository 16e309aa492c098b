"""Storing scan findings: one batch per call, written with unordered bulk writes.

MongoDB (and FerretDB) offer no multi-collection transaction here, so the
order of writes is what keeps readers safe: tracks first, then the album and
artist aggregates recomputed from them (each document replaced whole).

Changed tracks are written as whole documents (``replace_one``) rather than
``$set`` updates: FerretDB runs a replace by ``_id`` an order of magnitude
faster. The replace's filter names the play count it was built with, so a
play counted meanwhile by another process is never overwritten: such a
track is written again with a ``$set`` that leaves the count alone.

FerretDB (the test server) writes even single documents slowly once a
collection holds thousands, but deletes and inserts fast; on it, changed
tracks are deleted and inserted again instead (``swap=True``). A play counted
in that instant would be lost, which is acceptable for a test server only.
"""

from __future__ import annotations

import secrets
import time

from pymongo import InsertOne
from pymongo.asynchronous.database import AsyncDatabase

from segue.models import FileState, ScanApplied, ScanChanges, Track
from segue_catalog_mongodb import aggregates
from segue_catalog_mongodb.documents import Document, derived_fields, fact_fields, make_track


def new_track_id() -> str:
    return "tr" + secrets.token_hex(8)


async def file_states(db: AsyncDatabase[Document], root: str) -> dict[str, FileState]:
    """Every file known under ``root`` by relpath; a present track wins over a missing one."""
    states: dict[str, FileState] = {}
    fields = {"relpath": 1, "size": 1, "mtime_ns": 1, "content_key": 1, "missing": 1}
    async for doc in db["tracks"].find({"root": root}, fields):
        known = states.get(doc["relpath"])
        if known is not None and not known.missing and doc["missing"]:
            continue
        states[doc["relpath"]] = FileState(
            track_id=doc["_id"],
            relpath=doc["relpath"],
            size=doc["size"],
            mtime_ns=doc["mtime_ns"],
            content_key=doc["content_key"],
            missing=bool(doc["missing"]),
        )
    return states


async def apply_scan(
    db: AsyncDatabase[Document], changes: ScanChanges, *, swap: bool = False
) -> ScanApplied:
    """Apply one batch (see ``CatalogBackend.apply_scan``); ids unknown to the catalog are skipped."""
    now = time.time()
    asked = [i for i, _ in changes.updated] + [i for i, _ in changes.moved] + changes.removed
    known: dict[str, Document] = {}
    if asked:
        async for doc in db["tracks"].find({"_id": {"$in": asked}}):
            known[doc["_id"]] = doc
    touched = aggregates.Touched()
    for doc in known.values():
        touched.add_document(doc)

    rewrites: dict[str, Document] = {}
    removed = [i for i in dict.fromkeys(changes.removed) if i in known and not known[i]["missing"]]
    for track_id in removed:
        rewrites[track_id] = {**known[track_id], "missing": True}

    changed: list[Track] = []
    for track_id, facts in [*changes.updated, *changes.moved]:
        old = known.get(track_id)
        if old is None:
            continue
        derived = derived_fields(facts)
        fields = {**fact_fields(facts), **derived, "updated_at": now, "missing": False}
        rewrites[track_id] = {**old, **fields}
        touched.add_document(derived)
        changed.append(
            make_track(
                facts,
                derived,
                track_id=track_id,
                play_count=old["play_count"],
                added_at=old["added_at"],
                updated_at=now,
            )
        )

    added: list[Track] = []
    inserts: list[InsertOne[Document]] = []
    for facts in changes.added:
        derived = derived_fields(facts)
        track_id = new_track_id()
        doc = {
            "_id": track_id,
            **fact_fields(facts),
            **derived,
            "play_count": 0,
            "added_at": now,
            "updated_at": now,
            "missing": False,
        }
        inserts.append(InsertOne(doc))
        touched.add_document(derived)
        added.append(
            make_track(
                facts, derived, track_id=track_id, play_count=0, added_at=now, updated_at=now
            )
        )
    await rewrite(db, list(rewrites.values()), swap=swap)
    if inserts:
        await db["tracks"].bulk_write(inserts, ordered=False)

    evicted = set(await _evict_displaced(db, [*changed, *added], touched))
    await aggregates.recompute(db, touched)
    # A track this batch placed may itself have lost its path to a concurrent scan's copy.
    placed = {t.id for t in [*changed, *added]}
    return ScanApplied(
        added=[t for t in added if t.id not in evicted],
        changed=[t for t in changed if t.id not in evicted],
        removed=removed + sorted(evicted - placed),
    )


async def _evict_displaced(
    db: AsyncDatabase[Document], placed: list[Track], touched: aggregates.Touched
) -> list[str]:
    """Keep one present track per path this batch placed a file at: the newest.

    One path holds one file: if a scanner reports a new file where an
    unreported track was, that track is no longer there. Two processes
    scanning at once may each add the same new file under its own id; each
    then keeps the newest (last updated, then highest id) and marks the
    others missing, so both arrive at the same single track.
    """
    if not placed:
        return []
    paths = {(t.root, t.relpath) for t in placed}
    query = {
        "root": {"$in": sorted({root for root, _ in paths})},
        "relpath": {"$in": sorted({relpath for _, relpath in paths})},
        "missing": False,
    }
    present: dict[tuple[str, str], list[Document]] = {}
    async for doc in db["tracks"].find(query):
        path = (doc["root"], doc["relpath"])
        if path in paths:
            present.setdefault(path, []).append(doc)
    evicted: list[str] = []
    for docs in present.values():
        newest = max(docs, key=lambda doc: (doc["updated_at"], doc["_id"]))
        for doc in docs:
            if doc is not newest:
                evicted.append(doc["_id"])
                touched.add_document(doc)
    if evicted:
        # A flag set in place (not a rewrite): concurrent scans may evict the same track.
        await db["tracks"].update_many({"_id": {"$in": evicted}}, {"$set": {"missing": True}})
    return evicted


async def rewrite(db: AsyncDatabase[Document], docs: list[Document], *, swap: bool) -> None:
    """Store these whole track documents, keeping any play counted since they were read.

    One ``replace_one`` per document (FerretDB stalls on large batches of
    replacements); with ``swap``, one delete and one insert for all of them.
    """
    if swap and docs:
        await db["tracks"].delete_many({"_id": {"$in": [doc["_id"] for doc in docs]}})
        await db["tracks"].insert_many(docs, ordered=False)
        return
    for doc in docs:
        guard = {"_id": doc["_id"], "play_count": doc["play_count"]}
        result = await db["tracks"].replace_one(guard, doc)
        if result.matched_count == 0:
            # The count moved on (or the track is gone): write all but the count.
            fields = {k: v for k, v in doc.items() if k not in ("_id", "play_count")}
            await db["tracks"].update_one({"_id": doc["_id"]}, {"$set": fields})
