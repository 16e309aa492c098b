"""Friendship changes: store them in the catalog, then tell both users' live sockets.

Used by the HTTP API (``segue.api.friends``) and by anything else that
changes the graph, so that every change withdraws activity the same way.
"""

from __future__ import annotations

from segue.context import SegueContext
from segue.errors import NotFound
from segue.models import User
from segue.social.activity import activity_service
from segue.social.models import BlockedUser, Friend, FriendRequest


async def user_named(context: SegueContext, username: str) -> User:
    user = await context.catalog.get_user_by_name(username)
    if user is None:
        raise NotFound(f"no user named '{username}' (names are compared ignoring case)")
    return user


async def _notify(context: SegueContext, a: str, b: str, *, parted: bool) -> None:
    if context.presence is not None:
        await activity_service(context).friends_changed(a, b, parted=parted)


async def send_request(context: SegueContext, user_id: str, username: str) -> FriendRequest:
    other = await user_named(context, username)
    return await context.catalog.create_friend_request(user_id, other.id)


async def accept_request(context: SegueContext, user_id: str, request_id: str) -> Friend:
    friend = await context.catalog.accept_friend_request(request_id, user_id)
    await _notify(context, user_id, friend.user_id, parted=False)
    return friend


async def remove_friend(context: SegueContext, user_id: str, friend_id: str) -> bool:
    removed = await context.catalog.remove_friend(user_id, friend_id)
    if removed:
        await _notify(context, user_id, friend_id, parted=True)
    return removed


async def block(context: SegueContext, user_id: str, blocked_id: str) -> BlockedUser:
    blocked = await context.catalog.block_user(user_id, blocked_id)
    await _notify(context, user_id, blocked_id, parted=True)
    return blocked


async def unblock(context: SegueContext, user_id: str, blocked_id: str) -> bool:
    return await context.catalog.unblock_user(user_id, blocked_id)
