"""What the catalog remembers about scans: unreadable files and the latest report."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import msgspec

from segue.models import ScanProblem, ScanReport

_decode_report = msgspec.json.Decoder(ScanReport).decode


def replace_problems(conn: sqlite3.Connection, root: str, problems: Sequence[ScanProblem]) -> None:
    conn.execute("DELETE FROM scan_problems WHERE root = ?", (root,))
    # INSERT OR REPLACE: a file reported twice keeps its latest reason.
    conn.executemany(
        "INSERT OR REPLACE INTO scan_problems (root, relpath, reason, seen_at) VALUES (?, ?, ?, ?)",
        [(root, p.relpath, p.reason, p.seen_at) for p in problems],
    )


def list_problems(conn: sqlite3.Connection) -> list[ScanProblem]:
    rows = conn.execute(
        "SELECT root, relpath, reason, seen_at FROM scan_problems ORDER BY root, relpath"
    )
    return [
        ScanProblem(root=root, relpath=relpath, reason=reason, seen_at=seen_at)
        for root, relpath, reason, seen_at in rows
    ]


def save_scan_report(conn: sqlite3.Connection, report: ScanReport) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO scan_report (id, report) VALUES (1, ?)",
        (msgspec.json.encode(report).decode(),),
    )


def last_scan_report(conn: sqlite3.Connection) -> ScanReport | None:
    row = conn.execute("SELECT report FROM scan_report WHERE id = 1").fetchone()
    return None if row is None else _decode_report(row[0])
