"""Friends' activity: publishing now playing, the feed, and privacy on every path.

Rules (the read path applies them again, so a stale record, a cache entry or
a message in flight never shows what a user may not see):

* a viewer sees a user's activity only while they are friends (a block ends
  the friendship) and the user's privacy settings share activity now;
* nothing is written while a user does not share activity, and turning
  privacy on (or unfriending, blocking) withdraws the now-playing record and
  tells connected friends to drop it;
* a user's now-playing record changes at most once per
  ``min_update_interval_s``; reports in between coalesce to the latest one.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from typing import Any

import anyio
import msgspec

from segue.context import SegueContext, SlotUnavailable
from segue.errors import InvalidInput, NotFound
from segue.models import Track
from segue.slots.presence import Activity, NowPlaying, Play, PlaybackState, PresenceBackend
from segue.social.feed_source import FRIENDSHIP_STEP, FeedSource
from segue.social.friend_cache import FriendCache
from segue.social.live import activity_channel, user_channel
from segue.social.models import Friend, PrivacySettings
from segue.social.schemas import (
    Feed,
    FeedEntry,
    FeedNowPlaying,
    FeedPlay,
    PlayerStateReport,
    TrackSummary,
)

FEED_RECENT_PLAYS = 3
"""Plays per friend in the feed ("the last few")."""
ACTIVITY = "friend_activity"
ACTIVITY_REMOVED = "friend_activity.removed"
FRIENDS_CHANGED = "friends.changed"
_LOCK_STRIPES = 64


def track_summary(track: Track) -> TrackSummary:
    return TrackSummary(
        id=track.id,
        title=track.title,
        artist_name=track.artist_name,
        album=track.album,
        album_id=track.album_id,
        duration_ms=track.duration_ms,
    )


def may_see(privacy: PrivacySettings, now: float) -> bool:
    """Whether a friend with these settings shows in a feed or a push at ``now``."""
    return privacy.shares_activity(now)


class ActivityService:
    """Publishes users' now playing and answers friends' feeds (one per running Segue)."""

    def __init__(self, context: SegueContext, presence: PresenceBackend) -> None:
        self.context = context
        self.presence = presence
        self._deferred: set[str] = set()
        # Serializes one user's publish and privacy change in this process, so a
        # publish that checked privacy just before it was turned on cannot
        # write after the withdrawal.
        self._locks = [anyio.Lock() for _ in range(_LOCK_STRIPES)]
        # With graph versions in the store, friend lists can be cached safely.
        self._source = presence if isinstance(presence, FeedSource) else None
        self._friends = FriendCache()
        # Users' privacy settings as of their own graph version, for live delivery:
        # one catalog read per change per process, not one per socket.
        self._privacy: dict[str, tuple[int, PrivacySettings]] = {}
        # Each user's recent plays as last shown in a feed, by the plays they came
        # from: most friends' plays do not change between two reads.
        self._recent_shown: dict[str, tuple[list[Play], list[FeedPlay], float]] = {}
        self._privacy_reads: dict[tuple[str, int], anyio.Event] = {}

    def _lock(self, user_id: str) -> anyio.Lock:
        return self._locks[hash(user_id) % _LOCK_STRIPES]

    # --- write path -----------------------------------------------------------
    async def report_state(self, user_id: str, report: PlayerStateReport) -> PlaybackState:
        """Store what a client plays as the server-side state, then publish (rate-limited)."""
        track = await self.context.catalog.get_track(report.track_id)
        if track is None or track.missing:
            raise NotFound(f"no track with id '{report.track_id}' in the catalog")
        if report.position_ms > track.duration_ms + 5_000:
            raise InvalidInput(
                f"position_ms {report.position_ms} is past the end of track "
                f"'{track.id}' ({track.duration_ms} ms)"
            )
        old = await self.presence.get_playback(user_id) or PlaybackState()
        state = PlaybackState(
            track_id=track.id,
            context=report.context,
            position_ms=report.position_ms,
            updated_at=time.time(),
            paused=report.paused,
            device_id=report.device_id or old.device_id,
            queue=old.queue if report.queue is None else list(report.queue),
            volume=old.volume if report.volume is None else report.volume,
        )
        await self.presence.set_playback(user_id, state)
        await self.refresh(user_id)
        return state

    async def refresh(self, user_id: str) -> None:
        """Publish the user's current state now, or once the rate limit allows."""
        interval = self.presence.settings.min_update_interval_s
        if interval <= 0 or await self.presence.acquire(f"np-rate:{user_id}", interval):
            await self.publish(user_id)
        elif user_id not in self._deferred:
            self._deferred.add(user_id)
            self.context.spawn(self._publish_later, user_id, interval, name="presence-coalesce")

    async def _publish_later(self, user_id: str, delay: float) -> None:
        try:
            await anyio.sleep(delay)
        finally:
            self._deferred.discard(user_id)
        await self.presence.acquire(f"np-rate:{user_id}", delay)
        await self.publish(user_id)

    async def publish(self, user_id: str) -> None:
        """Make the now-playing record match the playback state, if privacy allows."""
        async with self._lock(user_id):
            now = time.time()
            privacy = await self.context.catalog.get_privacy(user_id)
            state = await self.presence.get_playback(user_id)
            if not may_see(privacy, now) or state is None or state.track_id is None or state.paused:
                await self._withdraw(user_id)
                return
            track = await self.context.catalog.get_track(state.track_id)
            if track is None:
                await self._withdraw(user_id)
                return
            position = min(state.position_at(now), track.duration_ms)
            started_at = now - position / 1000
            current = (await self.presence.read_activity([user_id], 0))[0].now_playing
            summary = track_summary(track)
            record = NowPlaying(
                track=summary,
                user_id=user_id,
                track_id=track.id,
                context=state.context,
                device_id=state.device_id,
                started_at=started_at,
                position_ms=position,
                updated_at=now,
            )
            ttl = (track.duration_ms - position) / 1000 + self.presence.settings.grace_s
            await self.presence.set_now_playing(record, ttl)
            new_play = current is None or current.track_id != track.id
            play = Play(
                track_id=track.id, played_at=started_at, context=state.context, track=summary
            )
            if new_play:
                await self.presence.add_play(user_id, play)
            user = await self.context.catalog.get_user(user_id)
            entry = FeedEntry(
                user_id=user_id,
                name=user.name if user else "?",
                now_playing=FeedNowPlaying(
                    track=summary,
                    context=state.context,
                    started_at=started_at,
                    position_ms=position,
                ),
                recent=[FeedPlay(track=summary, played_at=started_at)],
                at=started_at,
            )
            await self.presence.publish(
                activity_channel(user_id),
                {"type": ACTIVITY, "entry": msgspec.to_builtins(entry)},
            )

    async def _withdraw(self, user_id: str) -> None:
        await self.presence.clear_now_playing(user_id)
        await self.presence.publish(
            activity_channel(user_id), {"type": ACTIVITY_REMOVED, "user_id": user_id}
        )

    async def set_privacy(self, user_id: str, settings: PrivacySettings) -> None:
        """Store the settings; if they hide activity, withdraw it from friends at once."""
        async with self._lock(user_id):
            await self.context.catalog.set_privacy(user_id, settings)
            if self._source is not None:
                friends = await self.context.catalog.list_friends(user_id)
                # The user's own version too: live sessions cache privacy by it.
                await self._source.bump_graph([user_id, *(f.user_id for f in friends)])
            hidden = not may_see(settings, time.time())
            if hidden:
                await self._withdraw(user_id)
        if not hidden:
            await self.publish(user_id)

    async def friends_changed(self, a: str, b: str, *, parted: bool) -> None:
        """Tell both users' sockets; if they parted, each drops the other's activity."""
        if self._source is not None:
            await self._source.bump_graph([a, b], FRIENDSHIP_STEP)
        for me, other in ((a, b), (b, a)):
            if parted:
                await self.presence.publish(
                    user_channel(me), {"type": ACTIVITY_REMOVED, "user_id": other}
                )
            await self.presence.publish(
                user_channel(me), {"type": FRIENDS_CHANGED, "user_id": other}
            )

    # --- read path ------------------------------------------------------------
    async def feed(self, viewer_id: str, *, recent: int = FEED_RECENT_PLAYS) -> Feed:
        """The viewer's friends' activity, most recent first: one read of the presence store.

        With a :class:`FeedSource` backend the friend list comes from this
        process's cache while the viewer's graph version (read in the same
        round trip as the activity) has not moved.
        """
        if self._source is None:
            friends = {f.user_id: f for f in await self.context.catalog.list_friends(viewer_id)}
            now = time.time()
            visible = [u for u, f in friends.items() if may_see(f.privacy, now)]
            activities = await self.presence.read_activity(visible, recent)
            return await self._build_feed(activities, friends, now)
        source = self._source
        cached = self._friends.get(viewer_id)
        if cached is not None:
            version, activities = await source.read_feed(cached.query, recent)
            if version is not None and version == cached.version:
                return await self._build_feed(activities, cached.friends, time.time())
            self._friends.drop(viewer_id)
            if version is None:
                # A bump this process could not see may be lost: start afresh.
                self._friends.clear()
        # The version is read before the catalog: a change in between makes the
        # next read miss again instead of keeping a stale list.
        before = await source.graph_version(viewer_id)
        friends = {f.user_id: f for f in await self.context.catalog.list_friends(viewer_id)}
        query = source.prepare_feed(viewer_id, list(friends))
        _version, activities = await source.read_feed(query, recent)
        if before is not None:
            self._friends.put(viewer_id, friends, query, before)
        return await self._build_feed(activities, friends, time.time())

    async def _build_feed(
        self, activities: Sequence[Activity], friends: dict[str, Friend], now: float
    ) -> Feed:
        """Entries of the friends who share activity at ``now``, most recent first."""
        # Activity carries its tracks' details; only records without them need the catalog.
        track_ids = _track_ids(activities)
        tracks: dict[str, TrackSummary] = {}
        if track_ids:
            tracks = {
                t.id: track_summary(t) for t in await self.context.catalog.get_tracks(track_ids)
            }
        items = []
        for activity in activities:
            friend = friends.get(activity.user_id)
            if friend is None:
                continue
            privacy = friend.privacy
            # Most friends share always; only the others need the time check.
            if (privacy.private_session or not privacy.publish_activity) and not may_see(
                privacy, now
            ):
                continue
            entry = self._feed_entry(activity, friend.name, tracks, now)
            if entry is not None:
                items.append(entry)
        items.sort(key=_entry_time, reverse=True)
        return Feed(items=items, generated_at=now)

    def _feed_entry(
        self, activity: Activity, name: str, tracks: dict[str, TrackSummary], now: float
    ) -> FeedEntry | None:
        # Runs once per friend on every feed read: kept to plain attribute reads.
        shown = self._recent_shown.get(activity.user_id)
        # Same Play objects (the backends hand out what they decoded): no new work.
        if shown is not None and shown[0] == activity.recent:
            recent, at = shown[1], shown[2]
        else:
            recent, at, complete = _recent_plays(activity.recent, tracks)
            if complete:
                if len(self._recent_shown) > 100_000:
                    self._recent_shown.clear()
                self._recent_shown[activity.user_id] = (activity.recent, recent, at)
        now_playing = None
        record = activity.now_playing
        if record is not None:
            track = record.track or tracks.get(record.track_id)
            if track is not None:
                position = record.position_ms + max(0, int((now - record.updated_at) * 1000))
                now_playing = FeedNowPlaying(
                    track=track,
                    context=record.context,
                    started_at=record.started_at,
                    position_ms=min(position, track.duration_ms),
                )
                at = max(at, record.started_at)
        if now_playing is None and not recent:
            return None
        return FeedEntry(
            user_id=activity.user_id, name=name, now_playing=now_playing, recent=recent, at=at
        )

    async def privacy_at(self, user_id: str, version: int) -> PrivacySettings:
        """The user's privacy settings, read from the catalog after their graph version
        was seen at ``version`` (shared by every socket of this process)."""
        while True:
            cached = self._privacy.get(user_id)
            if cached is not None and cached[0] >= version:
                return cached[1]
            key = (user_id, version)
            reading = self._privacy_reads.get(key)
            if reading is None:
                break
            await reading.wait()
        done = self._privacy_reads[key] = anyio.Event()
        try:
            privacy = await self.context.catalog.get_privacy(user_id)
            # A newer version may have been stored meanwhile: it wins.
            cached = self._privacy.get(user_id)
            if cached is None or cached[0] < version:
                if len(self._privacy) > 100_000:
                    self._privacy.clear()
                self._privacy[user_id] = (version, privacy)
            return privacy
        finally:
            del self._privacy_reads[key]
            done.set()

    async def deliverable(
        self, viewer_id: str, channel: str, message: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The message as the viewer may receive it now, or None (checked at delivery)."""
        if message.get("type") != ACTIVITY:
            return message
        subject = channel.removeprefix("activity:")
        friend = await self.context.catalog.get_friend(viewer_id, subject)
        if friend is None or not may_see(friend.privacy, time.time()):
            return None
        return message


def _track_ids(activities: Sequence[Activity]) -> list[str]:
    """Tracks whose details the activity lacks (records written without them)."""
    ids: dict[str, None] = {}
    for activity in activities:
        if activity.now_playing is not None and activity.now_playing.track is None:
            ids[activity.now_playing.track_id] = None
        for play in activity.recent:
            if play.track is None:
                ids[play.track_id] = None
    return list(ids)


def _entry_time(entry: FeedEntry) -> float:
    return entry.at


def _recent_plays(
    plays: Sequence[Play], tracks: dict[str, TrackSummary]
) -> tuple[list[FeedPlay], float, bool]:
    """The plays as feed items, the latest play time (-1: none), and whether every
    play carried its own track details (then the result may be reused)."""
    at = -1.0
    recent = []
    complete = True
    for play in plays:
        summary = play.track
        if summary is None:
            complete = False
            summary = tracks.get(play.track_id)
        if summary is not None:
            recent.append(FeedPlay(track=summary, played_at=play.played_at, context=play.context))
            if play.played_at > at:
                at = play.played_at
    return recent, at, complete


_services: weakref.WeakKeyDictionary[SegueContext, ActivityService] = weakref.WeakKeyDictionary()


def activity_service(context: SegueContext) -> ActivityService:
    """The running Segue's activity service (503 when no presence backend is configured)."""
    presence = context.presence
    if presence is None:
        raise SlotUnavailable(
            'friends\' activity needs a presence backend: set [presence] backend = "memory"'
        )
    service = _services.get(context)
    if service is None or service.presence is not presence:
        service = _services[context] = ActivityService(context, presence)
    return service
