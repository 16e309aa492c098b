"""ValkeyPresence: the presence slot on Valkey, usable by several Segue processes at once.

Keys (all under ``key_prefix``):

* ``np:<user>``: the now-playing record (MessagePack) with a TTL of the track's
  remaining time plus the grace period;
* ``hist:<user>``: recent plays, a sorted set by time capped at ``history_size``;
* ``recent:<user>``: a copy of the newest ``RECENT_KEPT`` plays as one
  MessagePack array, so that a feed read is two ``MGET`` in one pipeline whatever the
  number of friends;
* ``rate:<key>``: rate-limit slots (``SET NX PX``);
* ``dev:<user>``: a hash of devices (MessagePack, with ``last_seen``);
* ``pb:<user>``: the playback state (MessagePack);
* ``gv:<user>``: the user's graph version (an integer bumped by every
  friendship or privacy change that alters their feed), read in the same
  ``MGET`` as a feed's activity so every process knows at once when its
  cached friend list went stale (``segue.social.feed_source``).

A feed read is one ``MGET`` (graph version, now-playing keys, recent-play
keys), encoded once per cached friend list and sent as is.

Live push uses Valkey pub/sub on one connection per process; an in-process
:class:`~segue.social.hub.Hub` fans messages out to local sockets.

When Valkey goes away, feed reads answer from what this process last read
(``cache_ttl_s``), publishing is skipped (push pauses), writes raise
``SlotUnavailable`` (a 503), and the pub/sub reader reconnects by itself.
Privacy is not the store's job: ``segue.social`` filters every read and
every delivery against the catalog, which stays up.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, suppress
from typing import Any

import anyio
import anyio.lowlevel
import msgspec
import structlog
import valkey.asyncio as valkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from segue.context import SlotUnavailable
from segue.slots.presence import (
    Activity,
    Device,
    NowPlaying,
    Play,
    PlaybackState,
    Subscription,
)
from segue.social.feed_source import FeedQuery
from segue.social.hub import Hub
from segue_presence_valkey.config import Config

log = structlog.get_logger("segue.presence.valkey")

UNREACHABLE = (ValkeyConnectionError, ValkeyTimeoutError, OSError)
_POLL_S = 0.02
"""How long the pub/sub reader waits for a message before applying channel changes."""
RECENT_KEPT = 3
"""Plays copied into ``recent:<user>`` (what a feed shows); reads asking for more use the sorted set."""
PLAYBACK_TTL_S = 30 * 24 * 3600
"""A user's playback state is forgotten after a month without change."""

# Stored values are MessagePack (faster to decode than JSON); pub/sub messages are JSON.
_pack = msgspec.msgpack.Encoder().encode
_encode_message = msgspec.json.Encoder().encode
_now_playing = msgspec.msgpack.Decoder(NowPlaying).decode
_play = msgspec.msgpack.Decoder(Play).decode
_device = msgspec.msgpack.Decoder(Device).decode
_playback = msgspec.msgpack.Decoder(PlaybackState).decode
_message = msgspec.json.Decoder(dict[str, Any]).decode
# Many values decoded in one call (joined into one MessagePack array): far less
# Python per friend.
_many_now_playing = msgspec.msgpack.Decoder(list[NowPlaying | None]).decode
_plays = msgspec.msgpack.Decoder(list[Play]).decode
_NIL = b"\xc0"


def _resp(*args: str) -> bytes:
    """A command in the Valkey protocol (RESP), encoded once and sent as is later."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(parts)


def _array(values: Sequence[bytes | None]) -> bytes:
    """A MessagePack array of already-packed values (None packs as nil)."""
    return b"\xdd" + len(values).to_bytes(4, "big") + b"".join(v or _NIL for v in values)


class _VersionBatch:
    """Graph versions asked for at the same moment, read with one ``MGET``."""

    def __init__(self) -> None:
        self.user_ids: dict[str, None] = {}
        self.values: dict[str, int] | None = None
        self.done = anyio.Event()


class _Seen:
    """A user's activity as this process last read it, with the stored bytes it came from.

    A feed read compares the bytes Valkey returns with these: an unchanged record
    (most of them, most of the time) is not decoded again, and the same
    ``Activity`` object is handed out. It is also the outage cache.
    """

    __slots__ = ("activity", "now_playing_raw", "recent", "recent_raw", "seen_at")

    def __init__(
        self,
        activity: Activity,
        now_playing_raw: bytes | None,
        recent_raw: bytes | None,
        recent: int,
        seen_at: float,
    ) -> None:
        self.activity = activity
        self.now_playing_raw = now_playing_raw
        self.recent_raw = recent_raw
        self.recent = recent
        """Plays asked for when decoded (-1: decoded from elsewhere, never matches)."""
        self.seen_at = seen_at


class ValkeyPresence:
    """The scale-out ``PresenceBackend`` (see ``segue.slots.presence``)."""

    def __init__(self, settings: Config) -> None:
        self.settings = settings
        self._prefix = settings.key_prefix
        self._client: valkey.Valkey = valkey.Valkey.from_url(
            settings.url,
            socket_timeout=settings.timeout_s,
            socket_connect_timeout=settings.timeout_s,
        )
        self._cache: dict[str, _Seen] = {}
        self._versions: _VersionBatch | None = None
        self._hub = Hub(on_first=self._subscribe_upstream, on_last=self._unsubscribe_upstream)
        self._pubsub: Any = None
        self._renew_pubsub = False
        # Only the reader task talks on the pub/sub connection: others queue
        # channel changes here and wait until it applied them.
        self._pending_subscribe: set[str] = set()
        self._pending_unsubscribe: set[str] = set()
        self._applied = anyio.Event()
        self.connected = True
        """False while Valkey is unreachable (as last seen by this process)."""

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}{kind}:{name}"

    def _unavailable(self, exc: BaseException) -> SlotUnavailable:
        self._went_away(exc)
        return SlotUnavailable(
            f"the presence store (Valkey at {self.settings.url}) is unreachable: {exc}; "
            "live features resume by themselves when it is back"
        )

    def _went_away(self, exc: BaseException) -> None:
        if self.connected:
            log.warning("valkey unreachable: serving cached activity", error=repr(exc))
        self.connected = False
        # The pub/sub connection may look alive after the server restarted: renew it.
        self._renew_pubsub = True

    def _came_back(self) -> None:
        if not self.connected:
            log.info("valkey reachable again")
        self.connected = True

    # --- lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        await self.ping()

    async def ping(self) -> None:
        try:
            await self._client.ping()
        except UNREACHABLE as exc:
            raise self._unavailable(exc) from exc

    async def close(self) -> None:
        if self._pubsub is not None:
            with anyio.CancelScope(shield=True), suppress(*UNREACHABLE):
                await self._pubsub.aclose()
        await self._client.aclose()

    # --- activity -------------------------------------------------------------
    async def set_now_playing(self, record: NowPlaying, ttl_s: float) -> None:
        try:
            await self._client.set(
                self._key("np", record.user_id), _pack(record), px=max(1, int(ttl_s * 1000))
            )
        except UNREACHABLE as exc:
            raise self._unavailable(exc) from exc

    async def clear_now_playing(self, user_id: str) -> None:
        # The cached copy goes first: even during an outage it must not be served.
        cached = self._cache.get(user_id)
        if cached is not None:
            activity = msgspec.structs.replace(cached.activity, now_playing=None)
            self._cache[user_id] = _Seen(activity, None, cached.recent_raw, -1, cached.seen_at)
        try:
            await self._client.delete(self._key("np", user_id))
        except UNREACHABLE as exc:
            # Not raised: turning privacy on must succeed; the read path hides the record.
            self._went_away(exc)

    async def add_play(self, user_id: str, play: Play) -> None:
        key = self._key("hist", user_id)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {_pack(play): play.played_at})
                pipe.zremrangebyrank(key, 0, -(self.settings.history_size + 1))
                pipe.zrevrange(key, 0, RECENT_KEPT - 1)
                newest = (await pipe.execute())[2]
            await self._client.set(self._key("recent", user_id), _array(newest))
        except UNREACHABLE as exc:
            raise self._unavailable(exc) from exc

    async def read_activity(self, user_ids: Sequence[str], recent: int) -> list[Activity]:
        if not user_ids:
            return []
        compact = recent <= RECENT_KEPT
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.mget([self._key("np", u) for u in user_ids])
                if recent > 0 and compact:
                    pipe.mget([self._key("recent", u) for u in user_ids])
                elif recent > 0:
                    for user_id in user_ids:
                        pipe.zrevrange(self._key("hist", user_id), 0, recent - 1)
                replies = await pipe.execute()
        except UNREACHABLE as exc:
            self._went_away(exc)
            return self._cached(user_ids, recent)
        self._came_back()
        if recent <= 0:
            return self._remember(user_ids, replies[0], [None] * len(user_ids), 0)
        if compact:
            return self._remember(user_ids, replies[0], replies[1], recent)
        now = time.monotonic()
        records = _many_now_playing(_array(replies[0]))
        activities = []
        for i, (user_id, record) in enumerate(zip(user_ids, records, strict=True)):
            activity = Activity(
                user_id=user_id, now_playing=record, recent=[_play(p) for p in replies[1 + i]]
            )
            self._cache[user_id] = _Seen(activity, None, None, -1, now)
            activities.append(activity)
        return activities

    def _remember(
        self,
        user_ids: Sequence[str],
        now_playing_raws: Sequence[bytes | None],
        recent_raws: Sequence[bytes | None],
        recent: int,
    ) -> list[Activity]:
        """Users' activity from the stored bytes, decoding only what changed since last read."""
        now = time.monotonic()
        cache = self._cache
        activities = []
        for user_id, np_raw, recent_raw in zip(
            user_ids, now_playing_raws, recent_raws, strict=True
        ):
            seen = cache.get(user_id)
            if (
                seen is None
                or seen.now_playing_raw != np_raw
                or seen.recent_raw != recent_raw
                or seen.recent != recent
            ):
                activity = Activity(
                    user_id=user_id,
                    now_playing=None if np_raw is None else _now_playing(np_raw),
                    recent=[] if recent_raw is None or recent <= 0 else _plays(recent_raw)[:recent],
                )
                seen = cache[user_id] = _Seen(activity, np_raw, recent_raw, recent, now)
            else:
                seen.seen_at = now
            activities.append(seen.activity)
        return activities

    # --- feed source (graph versions, prepared feed reads) ----------------------
    async def graph_version(self, user_id: str) -> int | None:
        versions = await self.graph_versions([user_id])
        return None if versions is None else versions[0]

    async def graph_versions(self, user_ids: Sequence[str]) -> list[int] | None:
        # Every socket of a friend checks versions when a play is pushed: the
        # calls of one moment share one MGET, sent after each of them began.
        batch = self._versions
        if batch is not None:
            batch.user_ids.update(dict.fromkeys(user_ids))
            await batch.done.wait()
            return None if batch.values is None else [batch.values[u] for u in user_ids]
        batch = self._versions = _VersionBatch()
        batch.user_ids.update(dict.fromkeys(user_ids))
        try:
            await anyio.lowlevel.checkpoint()  # others woken by the same message join here
            self._versions = None
            keys = [self._key("gv", u) for u in batch.user_ids]
            raw = await self._client.mget(keys)
            batch.values = {u: int(v or 0) for u, v in zip(batch.user_ids, raw, strict=True)}
        except UNREACHABLE as exc:
            self._went_away(exc)
        finally:
            if self._versions is batch:
                self._versions = None
            batch.done.set()  # values None (unreachable, cancelled): callers check the catalog
        return None if batch.values is None else [batch.values[u] for u in user_ids]

    async def bump_graph(self, user_ids: Sequence[str], step: int = 1) -> None:
        if not user_ids:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for user_id in user_ids:
                    pipe.incrby(self._key("gv", user_id), step)
                await pipe.execute()
        except UNREACHABLE as exc:
            # Not raised (privacy changes must succeed); readers drop their
            # cached friend lists when they find the store unreachable.
            self._went_away(exc)

    def prepare_feed(self, viewer_id: str, user_ids: Sequence[str]) -> FeedQuery:
        keys = [self._key("gv", viewer_id)]
        keys += [self._key("np", u) for u in user_ids]
        keys += [self._key("recent", u) for u in user_ids]
        return FeedQuery(
            viewer_id=viewer_id, user_ids=tuple(user_ids), prepared=_resp("MGET", *keys)
        )

    async def read_feed(self, query: FeedQuery, recent: int) -> tuple[int | None, list[Activity]]:
        if recent > RECENT_KEPT:
            version = await self.graph_version(query.viewer_id)
            return version, await self.read_activity(query.user_ids, recent)
        try:
            replies = await self._send_packed(query.prepared)
        except UNREACHABLE as exc:
            self._went_away(exc)
            return None, self._cached(query.user_ids, recent)
        self._came_back()
        count = len(query.user_ids)
        activities = self._remember(
            query.user_ids, replies[1 : count + 1], replies[count + 1 :], max(recent, 0)
        )
        return int(replies[0] or 0), activities

    async def _send_packed(self, packed: bytes) -> Any:
        """Send an encoded command on a pooled connection and read its reply."""
        pool = self._client.connection_pool
        connection = await pool.get_connection("MGET")  # type: ignore[no-untyped-call]
        try:
            await connection.send_packed_command(packed, check_health=False)
            return await connection.read_response()
        except BaseException:
            # The reply may be half read: never hand this connection out again.
            with anyio.CancelScope(shield=True):
                await connection.disconnect()
            raise
        finally:
            await pool.release(connection)

    def _cached(self, user_ids: Sequence[str], recent: int) -> list[Activity]:
        oldest = time.monotonic() - self.settings.cache_ttl_s
        result = []
        for user_id in user_ids:
            entry = self._cache.get(user_id)
            if entry is None or entry.seen_at < oldest:
                result.append(Activity(user_id=user_id))
            else:
                activity = entry.activity
                result.append(msgspec.structs.replace(activity, recent=activity.recent[:recent]))
        return result

    async def acquire(self, key: str, ttl_s: float) -> bool:
        try:
            won = await self._client.set(
                self._key("rate", key), b"1", nx=True, px=max(1, int(ttl_s * 1000))
            )
        except UNREACHABLE as exc:
            raise self._unavailable(exc) from exc
        return bool(won)

    # --- live push ------------------------------------------------------------
    async def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        try:
            await self._client.publish(self._prefix + channel, _encode_message(message))
        except UNREACHABLE as exc:
            self._went_away(exc)  # push pauses; the feed read still works from cache

    def subscribe(self, channels: Iterable[str]) -> AbstractAsyncContextManager[Subscription]:
        return self._hub.subscribe(channels)

    async def _subscribe_upstream(self, channels: list[str]) -> None:
        self._pending_unsubscribe.difference_update(channels)
        self._pending_subscribe.update(channels)
        await self._until_applied()

    async def _unsubscribe_upstream(self, channels: list[str]) -> None:
        self._pending_subscribe.difference_update(channels)
        self._pending_unsubscribe.update(channels)
        await self._until_applied()

    async def _until_applied(self) -> None:
        if self._pubsub is None:
            return  # the reader subscribes to every hub channel when it (re)connects
        applied = self._applied
        with anyio.move_on_after(self.settings.timeout_s):
            await applied.wait()

    async def _apply_pending(self, pubsub: Any) -> None:
        wanted = set(self._hub.channels)
        subscribe = self._pending_subscribe & wanted
        unsubscribe = self._pending_unsubscribe - wanted
        self._pending_subscribe, self._pending_unsubscribe = set(), set()
        if subscribe:
            await pubsub.subscribe(*[self._prefix + c for c in subscribe])
        if unsubscribe:
            await pubsub.unsubscribe(*[self._prefix + c for c in unsubscribe])
        applied, self._applied = self._applied, anyio.Event()
        applied.set()

    async def run_pubsub(self) -> None:
        """Read pub/sub messages into the hub forever, reconnecting after outages."""
        while True:
            try:
                await self._read_pubsub()
            except UNREACHABLE as exc:
                self._went_away(exc)
            pubsub, self._pubsub = self._pubsub, None
            if pubsub is not None:
                with anyio.CancelScope(shield=True), suppress(*UNREACHABLE):
                    await pubsub.aclose()
            await anyio.sleep(self.settings.retry_interval_s)

    async def _read_pubsub(self) -> None:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._pending_subscribe, self._pending_unsubscribe = set(), set()
        # A placeholder channel keeps the connection in subscribed mode even
        # while no socket listens here.
        await pubsub.subscribe(self._prefix + "-", *[self._prefix + c for c in self._hub.channels])
        self._pubsub = pubsub
        self._renew_pubsub = False
        self._came_back()
        skip = len(self._prefix)
        idle_since = time.monotonic()
        while not self._renew_pubsub:
            if self._pending_subscribe or self._pending_unsubscribe:
                await self._apply_pending(pubsub)
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=_POLL_S)
            if message is None:
                if time.monotonic() - idle_since >= self.settings.retry_interval_s:
                    # A dead connection is only noticed by writing to it.
                    await pubsub.ping()
                    idle_since = time.monotonic()
                continue
            idle_since = time.monotonic()
            if message.get("type") != "message":
                continue
            channel = message["channel"]
            name = (channel.decode() if isinstance(channel, bytes) else str(channel))[skip:]
            self._hub.deliver(name, _message(message["data"]))

    # --- devices and playback state ---------------------------------------------
    async def put_device(self, user_id: str, device: Device) -> None:
        key = self._key("dev", user_id)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={device.id: _pack(device)})
                pipe.expire(key, max(1, int(self.settings.device_timeout_s) + 1))
                await pipe.execute()
        except UNREACHABLE as exc:
            raise self._unavailable(exc) from exc

    async def remove_device(self, user_id: str, device_id: str) -> None:
        try:
            await self._client.hdel(self._key("dev", user_id), device_id)  # type: ignore[misc]
        except UNREACHABLE as exc:
            self._went_away(exc)

    async def list_devices(self, user_id: str) -> list[Device]:
        try:
            raw = await self._client.hgetall(self._key("dev", user_id))  # type: ignore[misc]
        except UNREACHABLE as exc:
            raise self._unavailable(exc) from exc
        limit = time.time() - self.settings.device_timeout_s
        devices = [_device(v) for v in raw.values()]
        live = [d for d in devices if d.last_seen > limit]
        return sorted(live, key=lambda d: d.last_seen, reverse=True)

    async def get_playback(self, user_id: str) -> PlaybackState | None:
        try:
            raw = await self._client.get(self._key("pb", user_id))
        except UNREACHABLE as exc:
            raise self._unavailable(exc) from exc
        return None if raw is None else _playback(raw)

    async def set_playback(self, user_id: str, state: PlaybackState) -> None:
        try:
            await self._client.set(self._key("pb", user_id), _pack(state), ex=PLAYBACK_TTL_S)
        except UNREACHABLE as exc:
            raise self._unavailable(exc) from exc
