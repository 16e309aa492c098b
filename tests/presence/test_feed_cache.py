"""The feed read's cached friend lists: graph versions, and changes seen at once everywhere.

Each process caches a viewer's friend list (with privacy settings) and uses
it only while the viewer's graph version, read in the same round trip as
the activity, has not moved (``segue.social.feed_source``). These tests
change friendships and privacy through another Segue process's services
(a second context on the same catalog and the same Valkey) and check that
the very next feed read of the first one follows.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from presence_helpers import LiveServer
from test_activity import feed, play

from segue.context import SegueContext
from segue.runtime import open_context
from segue.social import friends
from segue.social.activity import activity_service
from segue.social.feed_source import FRIENDSHIP_STEP, FeedQuery, FeedSource
from segue.social.friend_cache import FriendCache
from segue.social.models import PrivacySettings
from segue.social.schemas import PlayerStateReport

pytestmark = pytest.mark.anyio


async def test_feed_answers_with_its_server_side_time(live: LiveServer) -> None:
    alice, bob = await live.user("alice"), await live.user("bob")
    await live.befriend(alice, bob)
    await play(live, alice, (await live.track_ids())[0])
    response = await live.call(bob, "GET", "/api/v1/friends/activity")
    assert response.status_code == 200
    metrics = dict(m.split(";dur=") for m in response.headers["server-timing"].split(", "))
    assert set(metrics) == {"feed", "feed-cpu"}
    assert 0 < float(metrics["feed"]) < 10_000 and 0 <= float(metrics["feed-cpu"]) < 10_000
    assert [i["user_id"] for i in response.json()["items"]] == [alice.id]


async def test_graph_versions_move_and_feed_reads_match_activity(live: LiveServer) -> None:
    presence = live.context.presence
    assert presence is not None
    source: object = presence
    assert isinstance(source, FeedSource)
    alice, bob, carol = [await live.user(n) for n in ("alice", "bob", "carol")]
    assert await source.graph_version(bob.id) == 0
    await live.befriend(alice, bob)  # bumps both by a friendship step
    await source.bump_graph([bob.id, carol.id])
    assert await source.graph_version(bob.id) == FRIENDSHIP_STEP + 1
    assert await source.graph_version(carol.id) == 1
    assert await source.graph_versions([carol.id, alice.id, bob.id]) == [
        1,
        FRIENDSHIP_STEP,
        FRIENDSHIP_STEP + 1,
    ]
    one, two = (await live.track_ids())[:2]
    await play(live, alice, one)
    await play(live, alice, two)
    query = source.prepare_feed(bob.id, [alice.id, carol.id])
    version, activities = await source.read_feed(query, 3)
    assert version == FRIENDSHIP_STEP + 1
    assert activities == await presence.read_activity([alice.id, carol.id], 3)
    assert [p.track_id for p in activities[0].recent] == [two, one] and not activities[1].recent
    _version, longer = await source.read_feed(query, 5)  # more than the compact copy holds
    assert longer == await presence.read_activity([alice.id, carol.id], 5)


@pytest.fixture
async def other_process(live: LiveServer, tmp_path: Path) -> AsyncIterator[SegueContext]:
    """A second Segue on the same catalog and presence store (another ``segue serve``)."""
    config = tmp_path / "other.toml"
    config.write_text((tmp_path / "segue.toml").read_text(encoding="utf-8"), encoding="utf-8")
    async with open_context(config, role="server") as context:
        yield context


@pytest.mark.parametrize("presence_backend", ["valkey"], indirect=True)
async def test_feed_reads_decode_only_what_changed_even_when_another_process_wrote_it(
    live: LiveServer, other_process: SegueContext
) -> None:
    alice, bob, carol = [await live.user(n) for n in ("alice", "bob", "carol")]
    one, two, three = (await live.track_ids())[:3]
    await play(live, alice, one)
    await play(live, carol, two)
    source = live.context.presence
    assert isinstance(source, FeedSource)
    query = source.prepare_feed(bob.id, [alice.id, carol.id])
    _version, first = await source.read_feed(query, 3)
    _version, again = await source.read_feed(query, 3)
    assert again[0] is first[0] and again[1] is first[1]  # unchanged: not decoded again
    # Alice's next track is published by the other process: this one sees it at once.
    await activity_service(other_process).report_state(alice.id, PlayerStateReport(track_id=three))
    _version, after = await source.read_feed(query, 3)
    assert after[1] is first[1]
    assert after[0].now_playing is not None and after[0].now_playing.track_id == three
    assert [p.track_id for p in after[0].recent] == [three, one]
    # Fewer plays asked for: the same records, cut to that.
    _version, shorter = await source.read_feed(query, 1)
    assert [p.track_id for p in shorter[0].recent] == [three]


@pytest.mark.parametrize("presence_backend", ["valkey"], indirect=True)
async def test_changes_made_by_another_process_show_in_the_next_read(
    live: LiveServer, other_process: SegueContext
) -> None:
    alice, bob, carol = [await live.user(n) for n in ("alice", "bob", "carol")]
    await live.befriend(alice, bob)
    await live.befriend(carol, bob)
    one, two = (await live.track_ids())[:2]
    await play(live, alice, one)
    await play(live, carol, two)
    assert {i["user_id"] for i in (await feed(live, bob))["items"]} == {alice.id, carol.id}
    # Alice hides her activity through the other process: gone from bob's next read here.
    service = activity_service(other_process)
    await service.set_privacy(alice.id, PrivacySettings(publish_activity=False))
    assert [i["user_id"] for i in (await feed(live, bob))["items"]] == [carol.id]
    # Carol unfriends bob over there: gone too.
    await friends.remove_friend(other_process, carol.id, bob.id)
    assert (await feed(live, bob))["items"] == []
    # Alice shares again (her now playing is published again): back at once.
    await service.set_privacy(alice.id, PrivacySettings())
    shown = (await feed(live, bob))["items"]
    assert [i["user_id"] for i in shown] == [alice.id] and shown[0]["now_playing"] is not None


async def test_timed_private_session_ends_by_itself_with_a_cached_list(live: LiveServer) -> None:
    alice, bob = await live.user("alice"), await live.user("bob")
    await live.befriend(alice, bob)
    track = (await live.track_ids())[0]
    await play(live, alice, track)
    assert len((await feed(live, bob))["items"]) == 1
    until = time.time() + 0.6
    response = await live.call(
        alice,
        "PUT",
        "/api/v1/me/privacy",
        json={"private_session": True, "private_until": until},
    )
    assert response.status_code == 200
    assert (await feed(live, bob))["items"] == []
    assert (await feed(live, bob))["items"] == []  # served from the cache, still hidden
    await anyio.sleep(until - time.time() + 0.05)
    # The recent plays show again once the session ended (the cache evaluates it at read time).
    items = (await feed(live, bob))["items"]
    assert [i["user_id"] for i in items] == [alice.id]
    assert track in {p["track"]["id"] for p in items[0]["recent"]}


async def test_friend_cache_is_bounded_in_size_and_time() -> None:
    cache = FriendCache(ttl_s=0.2, size=2)
    for viewer in ("v1", "v2", "v3"):
        cache.put(viewer, {}, FeedQuery(viewer_id=viewer, user_ids=()), 1)
    assert cache.get("v1") is None  # the oldest went first
    entry = cache.get("v3")
    assert entry is not None and entry.version == 1 and cache.get("v2") is not None
    await anyio.sleep(0.25)
    assert cache.get("v2") is None and cache.get("v3") is None
