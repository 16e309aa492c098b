"""The CatalogBackend contract for the social graph: friends, requests, blocks, privacy."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from segue.errors import Conflict, InvalidInput, NotFound
from segue.models import User
from segue.slots.catalog import CatalogBackend
from segue.social.models import PrivacySettings

if TYPE_CHECKING:
    from conftest import CatalogOpener  # type: ignore[import-not-found]

pytestmark = pytest.mark.anyio


async def users(catalog: CatalogBackend, *names: str) -> list[User]:
    return [await catalog.create_user(n, "h", is_admin=False) for n in names]


async def befriend(catalog: CatalogBackend, a: User, b: User) -> None:
    request = await catalog.create_friend_request(a.id, b.id)
    await catalog.accept_friend_request(request.id, b.id)


async def test_request_and_accept_make_a_mutual_friendship(catalog: CatalogBackend) -> None:
    alice, bob = await users(catalog, "alice", "Bob")
    before = time.time()
    request = await catalog.create_friend_request(alice.id, bob.id)
    assert (request.from_user_id, request.from_name) == (alice.id, "alice")
    assert (request.to_user_id, request.to_name) == (bob.id, "Bob")
    assert request.id.startswith("fq") and before <= request.created_at <= time.time()
    assert await catalog.list_friend_requests(alice.id) == [request]
    assert await catalog.list_friend_requests(bob.id) == [request]
    assert await catalog.list_friends(alice.id) == []

    friend = await catalog.accept_friend_request(request.id, bob.id)
    assert (friend.user_id, friend.name) == (alice.id, "alice")
    assert [f.user_id for f in await catalog.list_friends(bob.id)] == [alice.id]
    assert [f.user_id for f in await catalog.list_friends(alice.id)] == [bob.id]
    assert await catalog.list_friend_requests(alice.id) == []
    got = await catalog.get_friend(alice.id, bob.id)
    assert got is not None and got.name == "Bob" and got.privacy == PrivacySettings()


async def test_only_the_addressee_accepts(catalog: CatalogBackend) -> None:
    alice, bob, carol = await users(catalog, "alice", "bob", "carol")
    request = await catalog.create_friend_request(alice.id, bob.id)
    for wrong in (alice.id, carol.id):
        with pytest.raises(NotFound, match=request.id):
            await catalog.accept_friend_request(request.id, wrong)
    with pytest.raises(NotFound):
        await catalog.accept_friend_request("fq-none", bob.id)
    assert await catalog.list_friends(bob.id) == []


async def test_requests_that_make_no_sense_are_refused(catalog: CatalogBackend) -> None:
    alice, bob = await users(catalog, "alice", "bob")
    with pytest.raises(InvalidInput, match="yourself"):
        await catalog.create_friend_request(alice.id, alice.id)
    with pytest.raises(NotFound, match="us-none"):
        await catalog.create_friend_request(alice.id, "us-none")
    request = await catalog.create_friend_request(alice.id, bob.id)
    with pytest.raises(Conflict, match="pending"):
        await catalog.create_friend_request(alice.id, bob.id)
    with pytest.raises(Conflict, match=request.id):
        await catalog.create_friend_request(bob.id, alice.id)
    await catalog.accept_friend_request(request.id, bob.id)
    with pytest.raises(Conflict, match="already friends"):
        await catalog.create_friend_request(bob.id, alice.id)


async def test_declining_or_withdrawing_a_request(catalog: CatalogBackend) -> None:
    alice, bob, carol = await users(catalog, "alice", "bob", "carol")
    one = await catalog.create_friend_request(alice.id, bob.id)
    assert not await catalog.delete_friend_request(one.id, carol.id)
    assert await catalog.delete_friend_request(one.id, bob.id)
    assert not await catalog.delete_friend_request(one.id, bob.id)
    two = await catalog.create_friend_request(alice.id, bob.id)
    assert await catalog.delete_friend_request(two.id, alice.id)
    assert await catalog.list_friend_requests(bob.id) == []


async def test_removing_a_friend_ends_it_both_ways(catalog: CatalogBackend) -> None:
    alice, bob, carol = await users(catalog, "alice", "bob", "carol")
    await befriend(catalog, alice, bob)
    await befriend(catalog, carol, alice)
    assert [f.name for f in await catalog.list_friends(alice.id)] == ["bob", "carol"]
    assert await catalog.remove_friend(bob.id, alice.id)
    assert not await catalog.remove_friend(bob.id, alice.id)
    assert [f.name for f in await catalog.list_friends(alice.id)] == ["carol"]
    assert await catalog.list_friends(bob.id) == []
    assert await catalog.get_friend(alice.id, bob.id) is None


async def test_blocking_ends_friendship_and_requests_and_stops_new_ones(
    catalog: CatalogBackend,
) -> None:
    alice, bob, carol = await users(catalog, "alice", "bob", "carol")
    await befriend(catalog, alice, bob)
    await catalog.create_friend_request(carol.id, alice.id)
    blocked = await catalog.block_user(alice.id, bob.id)
    assert (blocked.user_id, blocked.name) == (bob.id, "bob")
    await catalog.block_user(alice.id, carol.id)
    again = await catalog.block_user(alice.id, bob.id)
    assert again.blocked_at == blocked.blocked_at
    assert await catalog.list_friends(alice.id) == await catalog.list_friends(bob.id) == []
    assert await catalog.list_friend_requests(alice.id) == []
    assert [b.name for b in await catalog.list_blocks(alice.id)] == ["bob", "carol"]
    assert await catalog.list_blocks(bob.id) == []
    # Neither side may ask, and the blocked one is not told who blocked whom.
    for a, b in ((bob, alice), (alice, bob)):
        with pytest.raises(Conflict, match="not possible"):
            await catalog.create_friend_request(a.id, b.id)
    assert await catalog.unblock_user(alice.id, bob.id)
    assert not await catalog.unblock_user(alice.id, bob.id)
    assert await catalog.list_friends(alice.id) == []  # unblocking restores nothing
    await catalog.create_friend_request(bob.id, alice.id)


async def test_blocking_oneself_or_nobody_is_refused(catalog: CatalogBackend) -> None:
    (alice,) = await users(catalog, "alice")
    with pytest.raises(InvalidInput, match="yourself"):
        await catalog.block_user(alice.id, alice.id)
    with pytest.raises(NotFound, match="us-none"):
        await catalog.block_user(alice.id, "us-none")


async def test_privacy_settings_round_trip_and_show_on_friends(catalog: CatalogBackend) -> None:
    alice, bob = await users(catalog, "alice", "bob")
    await befriend(catalog, alice, bob)
    assert await catalog.get_privacy(alice.id) == PrivacySettings()
    settings = PrivacySettings(private_session=True, private_until=2e9, publish_activity=False)
    await catalog.set_privacy(alice.id, settings)
    assert await catalog.get_privacy(alice.id) == settings
    assert (await catalog.list_friends(bob.id))[0].privacy == settings
    friend = await catalog.get_friend(bob.id, alice.id)
    assert friend is not None and friend.privacy == settings
    await catalog.set_privacy(alice.id, PrivacySettings())
    assert await catalog.get_privacy(alice.id) == PrivacySettings()
    with pytest.raises(NotFound):
        await catalog.set_privacy("us-none", settings)


async def test_social_graph_survives_reopen(catalog_opener: CatalogOpener) -> None:
    catalog = await catalog_opener.open()
    alice, bob, carol = await users(catalog, "alice", "bob", "carol")
    await befriend(catalog, alice, bob)
    await catalog.block_user(carol.id, alice.id)
    await catalog.set_privacy(bob.id, PrivacySettings(publish_activity=False))
    await catalog_opener.close(catalog)
    reopened = await catalog_opener.open()
    assert [f.name for f in await reopened.list_friends(alice.id)] == ["bob"]
    assert [b.name for b in await reopened.list_blocks(carol.id)] == ["alice"]
    assert not (await reopened.get_privacy(bob.id)).publish_activity
