"""What the catalog remembers about scans: unreadable files and the latest report."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from pymongo import DeleteMany, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from segue.models import ScanProblem, ScanReport
from segue_catalog_mongodb.documents import Document

REPORT_ID = "latest"


def problem_id(root: str, relpath: str) -> str:
    return f"{root}\x1f{relpath}"


async def replace_problems(
    db: AsyncDatabase[Document], root: str, problems: Sequence[ScanProblem]
) -> None:
    # A file reported twice keeps its latest reason (like INSERT OR REPLACE).
    latest = {problem_id(root, p.relpath): p for p in problems}
    ops: list[DeleteMany | ReplaceOne[Document]] = [
        DeleteMany({"root": root, "_id": {"$nin": sorted(latest)}})
    ]
    for key, p in latest.items():
        doc = {
            "_id": key,
            "root": root,
            "relpath": p.relpath,
            "reason": p.reason,
            "seen_at": p.seen_at,
        }
        ops.append(ReplaceOne({"_id": key}, doc, upsert=True))
    await db["scan_problems"].bulk_write(ops, ordered=True)


async def list_problems(db: AsyncDatabase[Document]) -> list[ScanProblem]:
    cursor = db["scan_problems"].find({}).sort([("root", 1), ("relpath", 1)])
    return [
        ScanProblem(root=d["root"], relpath=d["relpath"], reason=d["reason"], seen_at=d["seen_at"])
        async for d in cursor
    ]


async def save_scan_report(db: AsyncDatabase[Document], report: ScanReport) -> None:
    doc = {"_id": REPORT_ID, **msgspec.structs.asdict(report)}
    await db["scan_report"].replace_one({"_id": REPORT_ID}, doc, upsert=True)


async def last_scan_report(db: AsyncDatabase[Document]) -> ScanReport | None:
    doc = await db["scan_report"].find_one({"_id": REPORT_ID})
    if doc is None:
        return None
    doc.pop("_id")
    return msgspec.convert(doc, ScanReport)
