"""Friends, friend requests, blocks, privacy settings and the friends' activity feed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import JSONBody, PathParameter
from litestar.types import ControllerRouterHandler

from segue import hookimpl
from segue.api.deps import Context
from segue.context import SegueContext
from segue.errors import InvalidInput, NotFound
from segue.models import Credential, User
from segue.social import friends
from segue.social.activity import activity_service
from segue.social.models import BlockedUser, FriendRequest, PrivacySettings
from segue.social.schemas import Feed, FriendInfo, PrivacyRequest, UsernameRequest

AuthRequest = Request[User, Credential, Any]
UserId = Annotated[str, PathParameter(description="The other user's id.")]
RequestId = Annotated[str, PathParameter(description="The friend request's id.")]


class FriendsController(Controller):
    path = "/api/v1/friends"
    tags = ["friends"]

    @get("/", operation_id="listFriends", summary="Your friends, by name")
    async def list_friends(self, context: Context, request: AuthRequest) -> list[FriendInfo]:
        return [
            FriendInfo(user_id=f.user_id, name=f.name, since=f.since)
            for f in await context.catalog.list_friends(request.user.id)
        ]

    @delete(
        "/{user_id:str}", operation_id="removeFriend", summary="End a friendship", status_code=204
    )
    async def remove_friend(self, context: Context, request: AuthRequest, user_id: UserId) -> None:
        if not await friends.remove_friend(context, request.user.id, user_id):
            raise NotFound(f"you have no friend with user id '{user_id}' (see GET /api/v1/friends)")

    @post(
        "/requests",
        operation_id="sendFriendRequest",
        summary="Ask a user (by name) to be friends",
        status_code=201,
    )
    async def send_request(
        self, context: Context, request: AuthRequest, data: JSONBody[UsernameRequest]
    ) -> FriendRequest:
        return await friends.send_request(context, request.user.id, data.username)

    @get(
        "/requests",
        operation_id="listFriendRequests",
        summary="Pending friend requests you sent or received",
    )
    async def list_requests(self, context: Context, request: AuthRequest) -> list[FriendRequest]:
        return await context.catalog.list_friend_requests(request.user.id)

    @post(
        "/requests/{request_id:str}/accept",
        operation_id="acceptFriendRequest",
        summary="Accept a friend request sent to you",
        status_code=200,
    )
    async def accept(
        self, context: Context, request: AuthRequest, request_id: RequestId
    ) -> FriendInfo:
        friend = await friends.accept_request(context, request.user.id, request_id)
        return FriendInfo(user_id=friend.user_id, name=friend.name, since=friend.since)

    @delete(
        "/requests/{request_id:str}",
        operation_id="deleteFriendRequest",
        summary="Decline a request sent to you, or withdraw one you sent",
        status_code=204,
    )
    async def delete_request(
        self, context: Context, request: AuthRequest, request_id: RequestId
    ) -> None:
        if not await context.catalog.delete_friend_request(request_id, request.user.id):
            raise NotFound(f"no pending friend request '{request_id}' involves you")

    @get(
        "/activity",
        operation_id="getFriendsActivity",
        summary="What your friends play now and played last, most recent first",
        description=(
            "Friends in a private session or who do not publish activity are left out. "
            "The `Server-Timing` header tells how long the server took to read the feed "
            "(`feed;dur=<ms>`) and the CPU time of this thread meanwhile (`feed-cpu;dur=<ms>`, "
            "which includes other requests served during the read's waits)."
        ),
    )
    async def activity(self, context: Context, request: AuthRequest) -> Response[Feed]:
        started, cpu_started = time.perf_counter(), time.thread_time()
        feed = await activity_service(context).feed(request.user.id)
        elapsed_ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.thread_time() - cpu_started) * 1000
        timing = f"feed;dur={elapsed_ms:.3f}, feed-cpu;dur={cpu_ms:.3f}"
        return Response(feed, headers={"Server-Timing": timing})


class BlocksController(Controller):
    path = "/api/v1/blocks"
    tags = ["friends"]

    @post(
        "/",
        operation_id="blockUser",
        summary="Block a user (ends friendship and hides activity both ways)",
        status_code=201,
    )
    async def block(
        self, context: Context, request: AuthRequest, data: JSONBody[UsernameRequest]
    ) -> BlockedUser:
        other = await friends.user_named(context, data.username)
        return await friends.block(context, request.user.id, other.id)

    @get("/", operation_id="listBlocks", summary="The users you blocked")
    async def list_blocks(self, context: Context, request: AuthRequest) -> list[BlockedUser]:
        return await context.catalog.list_blocks(request.user.id)

    @delete("/{user_id:str}", operation_id="unblockUser", summary="Lift a block", status_code=204)
    async def unblock(self, context: Context, request: AuthRequest, user_id: UserId) -> None:
        if not await friends.unblock(context, request.user.id, user_id):
            raise NotFound(f"you have not blocked a user with id '{user_id}'")


class PrivacyController(Controller):
    path = "/api/v1/me/privacy"
    tags = ["friends"]

    @get("/", operation_id="getPrivacy", summary="Your privacy settings")
    async def get_privacy(self, context: Context, request: AuthRequest) -> PrivacySettings:
        return await context.catalog.get_privacy(request.user.id)

    @put(
        "/",
        operation_id="setPrivacy",
        summary="Change your privacy settings",
        description="Turning privacy on removes your now playing from friends' feeds at once.",
    )
    async def set_privacy(
        self, context: Context, request: AuthRequest, data: JSONBody[PrivacyRequest]
    ) -> PrivacySettings:
        if data.private_until is not None and not data.private_session:
            raise InvalidInput("'private_until' only applies with 'private_session': true")
        settings = PrivacySettings(
            private_session=data.private_session,
            private_until=data.private_until,
            publish_activity=data.publish_activity,
        )
        if context.presence is None:
            await context.catalog.set_privacy(request.user.id, settings)
        else:
            await activity_service(context).set_privacy(request.user.id, settings)
        return settings


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [FriendsController, BlocksController, PrivacyController]
