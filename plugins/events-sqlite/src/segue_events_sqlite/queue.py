"""The ``sqlite`` events backend: a durable queue with Valkey-Streams-like consumer groups.

How the tables work together:

* ``events`` holds every event in publish order (``seq``); the event id is
  unique, so publishing an id twice stores it once.
* ``consumer_groups`` holds each group's position in its topic. A group is
  created on its first claim at position 0, so it sees the topic from the
  beginning: jobs published before any worker ran are not lost.
* ``pending`` holds what was handed out and not acknowledged. A claim first
  takes pending rows whose ``available_at`` has passed (expired claims, and
  failed deliveries whose retry delay is over), then new events after the
  group's position. Claims run inside the single write transaction, so two
  consumers of one group never hold the same delivery at once.
* ``dead_letters`` holds deliveries that failed ``max_attempts`` times.

Every write goes through a :class:`~segue_events_sqlite.batching.WriteBatcher`,
so that bursts of publishes and acks share transactions.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import msgspec

from segue.db.sqlite import AsyncSQLite
from segue.slots.events import DeadLetter, Delivery
from segue_events_sqlite.batching import WriteBatcher
from segue_events_sqlite.schema import MIGRATIONS

_PRUNE_EVERY = 3600.0
_MAX_RETRY_DELAY = 300.0
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(dict[str, Any]).decode


class SQLiteEvents:
    """Implements ``segue.slots.events.EventsBackend`` on one SQLite file.

    Several processes on one machine may share the file (``segue serve`` and
    ``segue worker``): SQLite serializes their writes, and :meth:`wait`
    polls for events published by the others.
    """

    def __init__(
        self,
        path: Path,
        *,
        poll_interval: float = 0.5,
        retry_delay: float = 1.0,
        retention_days: float = 7.0,
    ) -> None:
        self.path = path
        self._db = AsyncSQLite(path, MIGRATIONS, readers=2)
        self._writes = WriteBatcher(self._db)
        self._poll_interval = poll_interval
        self._retry_delay = retry_delay
        self._retention = retention_days * 86400.0
        self._last_prune = 0.0
        # What wait() compares against: the newest seq of a topic when each group
        # last claimed, and the newest this process published.
        self._claimed: dict[tuple[str, str], int] = {}
        self._published: dict[str, int] = {}
        self._signals: dict[str, anyio.Event] = {}

    # --- Backend ---------------------------------------------------------
    async def start(self) -> None:
        await self._db.open()
        await self._writes.write(self._prune)

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()

    # --- EventsBackend ---------------------------------------------------
    async def publish(
        self, topic: str, payload: Mapping[str, Any], *, event_id: str | None = None
    ) -> str:
        """Store an event durably and return its id; an id published before changes nothing."""
        if not topic:
            raise ValueError("an event needs a topic name, e.g. 'playback'")
        event_id = event_id or uuid.uuid4().hex
        data = _encode(payload)

        def insert(conn: sqlite3.Connection) -> int | None:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO events (id, topic, payload, published_at) "
                "VALUES (?, ?, ?, ?)",
                (event_id, topic, data, time.time()),
            )
            return cursor.lastrowid if cursor.rowcount else None

        seq = await self._writes.write(insert)
        if seq is not None:
            self._published[topic] = max(seq, self._published.get(topic, 0))
            self._wake(topic)
        return event_id

    async def claim(
        self,
        topic: str,
        group: str,
        consumer: str,
        *,
        limit: int = 10,
        claim_timeout: float = 60.0,
    ) -> list[Delivery]:
        """Take up to ``limit`` deliveries for ``group``: expired or retried ones first, then new ones."""
        if limit <= 0:
            return []

        def take(conn: sqlite3.Connection) -> tuple[list[Delivery], int]:
            now = time.time()
            if now - self._last_prune > _PRUNE_EVERY:
                self._prune(conn)
            until = now + claim_timeout
            conn.execute(
                "INSERT OR IGNORE INTO consumer_groups (topic, name, last_seq) VALUES (?, ?, 0)",
                (topic, group),
            )
            due = conn.execute(
                "SELECT seq, attempts FROM pending WHERE topic = ? AND group_name = ? "
                "AND available_at <= ? ORDER BY available_at, seq LIMIT ?",
                (topic, group, now, limit),
            ).fetchall()
            taken = [(row["seq"], row["attempts"] + 1) for row in due]
            conn.executemany(
                "UPDATE pending SET attempts = ?, consumer = ?, available_at = ? "
                "WHERE topic = ? AND group_name = ? AND seq = ?",
                [(attempts, consumer, until, topic, group, seq) for seq, attempts in taken],
            )
            if len(taken) < limit:
                (last_seq,) = conn.execute(
                    "SELECT last_seq FROM consumer_groups WHERE topic = ? AND name = ?",
                    (topic, group),
                ).fetchone()
                fresh = [
                    row[0]
                    for row in conn.execute(
                        "SELECT seq FROM events WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?",
                        (topic, last_seq, limit - len(taken)),
                    )
                ]
                if fresh:
                    conn.executemany(
                        "INSERT INTO pending (topic, group_name, seq, attempts, consumer, "
                        "available_at) VALUES (?, ?, ?, 1, ?, ?)",
                        [(topic, group, seq, consumer, until) for seq in fresh],
                    )
                    conn.execute(
                        "UPDATE consumer_groups SET last_seq = ? WHERE topic = ? AND name = ?",
                        (fresh[-1], topic, group),
                    )
                    taken += [(seq, 1) for seq in fresh]
            (newest,) = conn.execute(
                "SELECT coalesce(max(seq), 0) FROM events WHERE topic = ?", (topic,)
            ).fetchone()
            return _deliveries(conn, topic, group, taken), newest

        deliveries, newest = await self._writes.write(take)
        self._claimed[topic, group] = newest
        return deliveries

    async def ack(self, delivery: Delivery) -> None:
        """The group handled the event; it is not delivered again (acking twice is harmless)."""

        def delete(conn: sqlite3.Connection) -> None:
            conn.execute(
                "DELETE FROM pending WHERE topic = ? AND group_name = ? "
                "AND seq = (SELECT seq FROM events WHERE id = ?)",
                (delivery.topic, delivery.group, delivery.event_id),
            )

        await self._writes.write(delete)

    async def fail(self, delivery: Delivery, error: str, *, max_attempts: int = 3) -> None:
        """Retry after a delay growing with each attempt, or dead-letter after ``max_attempts``.

        A stale report (the claim expired and the event was handed out again,
        or it was acked meanwhile) changes nothing.
        """

        def record(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT p.seq, p.attempts, e.payload FROM pending p JOIN events e ON e.seq = p.seq "
                "WHERE e.id = ? AND p.topic = ? AND p.group_name = ?",
                (delivery.event_id, delivery.topic, delivery.group),
            ).fetchone()
            if row is None or row["attempts"] != delivery.attempt:
                return
            key = (delivery.topic, delivery.group, row["seq"])
            if delivery.attempt >= max_attempts:
                conn.execute(
                    "INSERT OR REPLACE INTO dead_letters (topic, group_name, seq, event_id, "
                    "payload, attempts, last_error, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*key, delivery.event_id, row["payload"], delivery.attempt, error, time.time()),
                )
                conn.execute(
                    "DELETE FROM pending WHERE topic = ? AND group_name = ? AND seq = ?", key
                )
                return
            delay = min(self._retry_delay * 2 ** (delivery.attempt - 1), _MAX_RETRY_DELAY)
            conn.execute(
                "UPDATE pending SET available_at = ?, consumer = '', last_error = ? "
                "WHERE topic = ? AND group_name = ? AND seq = ?",
                (time.time() + delay, error, *key),
            )

        await self._writes.write(record)

    async def wait(self, topic: str, within: float) -> None:
        """Return when ``topic`` may have new events, or after ``within`` seconds.

        Publishes from this process wake waiters at once; those of other
        processes are noticed by polling every ``poll_interval`` seconds.
        """
        with anyio.move_on_after(within):
            views = [seq for (t, _group), seq in self._claimed.items() if t == topic]
            seen = min(views) if views else await self._newest_seq(topic)
            while True:
                if self._published.get(topic, 0) > seen:
                    return
                with anyio.move_on_after(self._poll_interval):
                    await self._signal(topic).wait()
                    return
                if await self._newest_seq(topic) > seen:
                    return

    async def lag(self, topic: str, group: str) -> int:
        """Events of ``topic`` the group has not handled: new ones plus pending ones."""

        def count(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "SELECT last_seq FROM consumer_groups WHERE topic = ? AND name = ?",
                (topic, group),
            ).fetchone()
            last_seq = row[0] if row else 0
            (new,) = conn.execute(
                "SELECT count(*) FROM events WHERE topic = ? AND seq > ?", (topic, last_seq)
            ).fetchone()
            (pending,) = conn.execute(
                "SELECT count(*) FROM pending WHERE topic = ? AND group_name = ?",
                (topic, group),
            ).fetchone()
            return int(new) + int(pending)

        return await self._db.read(count)

    async def dead_letters(self, topic: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """The most recent dead letters, newest first, of one topic or of all."""

        def select(conn: sqlite3.Connection) -> list[DeadLetter]:
            where, args = ("WHERE topic = ?", [topic]) if topic is not None else ("", [])
            rows = conn.execute(
                f"SELECT * FROM dead_letters {where} ORDER BY dead_at DESC, seq DESC LIMIT ?",
                [*args, limit],
            ).fetchall()
            return [
                DeadLetter(
                    event_id=row["event_id"],
                    topic=row["topic"],
                    group=row["group_name"],
                    payload=_decode(row["payload"]),
                    attempts=row["attempts"],
                    last_error=row["last_error"],
                )
                for row in rows
            ]

        return await self._db.read(select)

    # --- helpers ---------------------------------------------------------
    async def _newest_seq(self, topic: str) -> int:
        def select(conn: sqlite3.Connection) -> int:
            (newest,) = conn.execute(
                "SELECT coalesce(max(seq), 0) FROM events WHERE topic = ?", (topic,)
            ).fetchone()
            return int(newest)

        return await self._db.read(select)

    def _signal(self, topic: str) -> anyio.Event:
        signal = self._signals.get(topic)
        if signal is None:
            signal = self._signals[topic] = anyio.Event()
        return signal

    def _wake(self, topic: str) -> None:
        signal = self._signals.pop(topic, None)
        if signal is not None:
            signal.set()

    def _prune(self, conn: sqlite3.Connection) -> None:
        """Drop events past retention that every group has passed and nobody holds."""
        self._last_prune = time.time()
        if self._retention <= 0:
            return
        conn.execute(
            """
            DELETE FROM events
            WHERE published_at < ?
              AND NOT EXISTS (SELECT 1 FROM consumer_groups g
                              WHERE g.topic = events.topic AND g.last_seq < events.seq)
              AND NOT EXISTS (SELECT 1 FROM pending p
                              WHERE p.topic = events.topic AND p.seq = events.seq)
            """,
            (self._last_prune - self._retention,),
        )


def _deliveries(
    conn: sqlite3.Connection, topic: str, group: str, taken: Sequence[tuple[int, int]]
) -> list[Delivery]:
    if not taken:
        return []
    attempts = dict(taken)
    marks = ",".join("?" * len(attempts))
    rows = conn.execute(
        f"SELECT seq, id, payload, published_at FROM events WHERE seq IN ({marks}) ORDER BY seq",
        list(attempts),
    ).fetchall()
    return [
        Delivery(
            event_id=row["id"],
            topic=topic,
            group=group,
            payload=_decode(row["payload"]),
            attempt=attempts[row["seq"]],
            published_at=row["published_at"],
        )
        for row in rows
    ]
