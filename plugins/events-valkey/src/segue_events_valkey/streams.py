"""The ``valkey`` events backend: Valkey Streams with consumer groups.

How the slot contract maps onto Valkey:

* a topic is a stream (``<prefix>stream:<topic>``); each event is an entry
  holding its id, JSON payload and publish time. A key per event id
  (``<prefix>id:<topic>:<event id>``, kept ``dedupe_days``) makes publishing
  the same id twice store it once;
* a group is a stream consumer group, created at position 0 on its first
  claim, so it sees the topic from the beginning;
* a claim (one Lua script, so atomic) takes the group's pending entries that
  are due again (expired claims, failed deliveries whose retry delay is over)
  with XCLAIM, then new ones with XREADGROUP; the attempt is the entry's
  delivery count. When an entry is due is kept in its idle time (see
  ``scripts.HORIZON_MS``), so each claim's own ``claim_timeout`` is honoured;
* ``ack`` is XACK (``ack_many`` acks a batch at once); ``fail`` either makes
  the entry due again after ``retry_delay`` or, after ``max_attempts``, adds
  it to the dead-letter stream (``<prefix>dead``) and acks it;
* ``lag`` is the group's undelivered entries plus its pending ones.

Concurrent publishes and acks are sent as pipelines (see ``coalesce``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import anyio
import msgspec
import valkey.asyncio as valkey

from segue.slots.events import DeadLetter, Delivery
from segue_events_valkey import scripts
from segue_events_valkey.coalesce import Coalescer

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(dict[str, Any]).decode
_decode_claimed = msgspec.json.Decoder(list[tuple[str, int, str, float, dict[str, Any]]]).decode
_MAX_RETRY_DELAY = 300.0
_DEAD_SCAN = 10_000
"""Most dead letters read to answer one ``dead_letters`` call."""


class ValkeyEvents:
    """Implements ``segue.slots.events.EventsBackend`` on Valkey Streams."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "segue:",
        retry_delay: float = 1.0,
        dedupe_days: float = 7.0,
    ) -> None:
        self.url = url
        self._prefix = prefix
        self._retry_delay = retry_delay
        self._dedupe_ms = int(dedupe_days * 86_400_000)
        self._client: valkey.Valkey | None = None
        self._scripts: dict[str, Any] = {}
        # Stream ids of the deliveries this process holds, for ack and fail.
        self._held: dict[tuple[str, str, str], bytes] = {}
        self._newest: dict[str, bytes] = {}
        self._publishes: Coalescer[tuple[str, str, bytes, float], bytes] = Coalescer(
            self._publish_many
        )
        self._acks: Coalescer[tuple[str, str, bytes], None] = Coalescer(self._xack_all)

    # --- Backend ---------------------------------------------------------
    async def start(self) -> None:
        client = valkey.Valkey.from_url(self.url, decode_responses=False)
        try:
            await client.ping()
        except Exception as exc:
            await client.aclose()
            raise ConnectionError(
                f"events-valkey: cannot reach Valkey at {redacted(self.url)} "
                f"(key 'plugins.events-valkey.url'): {exc}"
            ) from exc
        self._client = client
        self._scripts = {
            name: client.register_script(getattr(scripts, name))
            for name in ("PUBLISH", "CLAIM", "FAIL")
        }

    async def ping(self) -> None:
        try:
            await self._valkey.ping()
        except Exception as exc:
            raise ConnectionError(f"valkey at {redacted(self.url)} did not answer: {exc}") from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # --- EventsBackend ---------------------------------------------------
    async def publish(
        self, topic: str, payload: Mapping[str, Any], *, event_id: str | None = None
    ) -> str:
        """Store an event durably and return its id; an id published before changes nothing."""
        if not topic:
            raise ValueError("an event needs a topic name, e.g. 'playback'")
        event_id = event_id or uuid.uuid4().hex
        await self._publishes.submit((topic, event_id, _encode(payload), time.time()))
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
        """Take up to ``limit`` deliveries: expired or retried ones first, then new ones."""
        if limit <= 0:
            return []
        entries, newest = await self._scripts["CLAIM"](
            keys=[self._stream(topic)],
            args=[group, consumer, limit, int(claim_timeout * 1000), scripts.HORIZON_MS],
        )
        self._newest[topic] = newest
        deliveries = []
        for sid, attempt, event_id, published_at, payload in _decode_claimed(entries):
            self._held[topic, group, event_id] = sid.encode()
            deliveries.append(
                Delivery(
                    event_id=event_id,
                    topic=topic,
                    group=group,
                    payload=payload,
                    attempt=attempt,
                    published_at=published_at,
                )
            )
        return deliveries

    async def ack(self, delivery: Delivery) -> None:
        """The group handled the event; it is not delivered again (acking twice is harmless)."""
        sid = await self._stream_id(delivery, forget=True)
        if sid is not None:
            await self._acks.submit((self._stream(delivery.topic), delivery.group, sid))

    async def ack_many(self, deliveries: Sequence[Delivery]) -> None:
        """Ack a whole handled batch in one round trip (the consumer loop uses it if present)."""
        items = []
        for delivery in deliveries:
            # Held by this process (the usual case): no lookup, no await per delivery.
            sid = self._held.pop((delivery.topic, delivery.group, delivery.event_id), None)
            if sid is None:
                sid = await self._stream_id(delivery, forget=True)
            if sid is not None:
                items.append((self._stream(delivery.topic), delivery.group, sid))
        if items:
            await self._xack_all(items)

    async def fail(self, delivery: Delivery, error: str, *, max_attempts: int = 3) -> None:
        """Retry after a delay growing with each attempt, or dead-letter after ``max_attempts``.

        A stale report (the claim expired and the event was handed out again,
        or it was acked meanwhile) changes nothing.
        """
        sid = await self._stream_id(delivery, forget=True)
        if sid is None:
            return
        delay = min(self._retry_delay * 2 ** (delivery.attempt - 1), _MAX_RETRY_DELAY)
        await self._scripts["FAIL"](
            keys=[self._stream(delivery.topic), self._key("dead")],
            args=[
                delivery.group,
                sid,
                delivery.attempt,
                max_attempts,
                error,
                scripts.HORIZON_MS - int(delay * 1000),
                delivery.topic,
                delivery.event_id,
            ],
        )

    async def wait(self, topic: str, within: float) -> None:
        """Return when ``topic`` may have new events, or after ``within`` seconds."""
        since = self._newest.get(topic, b"$")
        with anyio.move_on_after(within):
            await self._valkey.xread(
                {self._stream(topic): since}, count=1, block=max(1, int(within * 1000))
            )

    async def lag(self, topic: str, group: str) -> int:
        """Events of ``topic`` the group has not handled: new ones plus pending ones."""
        stream = self._stream(topic)
        client = self._valkey
        if not await client.exists(stream):
            return 0
        groups = await client.xinfo_groups(stream)
        info = next((g for g in groups if _text(g["name"]) == group), None)
        if info is None:
            return int(await client.xlen(stream))
        undelivered = info.get("lag")
        if undelivered is None:  # entries were deleted: count after the group's position
            last = _text(info["last-delivered-id"])
            undelivered = len(await client.xrange(stream, f"({last}", "+"))
        return int(undelivered) + int(info["pending"])

    async def dead_letters(self, topic: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """The most recent dead letters, newest first, of one topic or of all."""
        found: list[DeadLetter] = []
        for _sid, raw in await self._valkey.xrevrange(self._key("dead"), count=_DEAD_SCAN):
            values = {_text(k): v for k, v in raw.items()}
            if topic is not None and _text(values["topic"]) != topic:
                continue
            found.append(
                DeadLetter(
                    event_id=_text(values["id"]),
                    topic=_text(values["topic"]),
                    group=_text(values["group"]),
                    payload=_decode(values["p"]),
                    attempts=int(values["attempts"]),
                    last_error=_text(values["error"]),
                )
            )
            if len(found) >= limit:
                break
        return found

    # --- helpers ---------------------------------------------------------
    @property
    def _valkey(self) -> valkey.Valkey:
        if self._client is None:
            raise RuntimeError(f"the valkey events backend ({self.url}) is not started")
        return self._client

    def _key(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def _stream(self, topic: str) -> str:
        return self._key(f"stream:{topic}")

    async def _stream_id(self, delivery: Delivery, *, forget: bool) -> bytes | None:
        key = (delivery.topic, delivery.group, delivery.event_id)
        sid = self._held.pop(key, None) if forget else self._held.get(key)
        if sid is None:  # claimed by another handle: look the id up
            found = await self._valkey.get(self._key(f"id:{delivery.topic}:{delivery.event_id}"))
            sid = cast(bytes | None, found)
        return sid

    async def _publish_many(self, items: list[tuple[str, str, bytes, float]]) -> Sequence[bytes]:
        async with self._valkey.pipeline(transaction=False) as pipe:
            for topic, event_id, data, published_at in items:
                await self._scripts["PUBLISH"](
                    keys=[self._stream(topic), self._key(f"id:{topic}:{event_id}")],
                    args=[event_id, data, repr(published_at), self._dedupe_ms],
                    client=pipe,
                )
            return cast(Sequence[bytes], await pipe.execute())

    async def _xack_all(self, items: list[tuple[str, str, bytes]]) -> Sequence[None]:
        by_group: dict[tuple[str, str], list[bytes]] = {}
        for stream, group, sid in items:
            by_group.setdefault((stream, group), []).append(sid)
        async with self._valkey.pipeline(transaction=False) as pipe:
            for (stream, group), sids in by_group.items():
                pipe.xack(stream, group, *sids)
            await pipe.execute()
        return [None] * len(items)


def redacted(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***`` (for messages and logs)."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
