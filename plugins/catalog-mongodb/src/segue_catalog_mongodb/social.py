"""The social graph (friendships, requests, blocks, privacy) in MongoDB.

A friendship is two documents, one per direction (``_id`` "<user>:<friend>"),
so a user's friends are one indexed query; a block is one document
(``_id`` "<user>:<blocked>"). Writes are idempotent upserts, so a retried or
concurrent accept stores the friendship once.
"""

from __future__ import annotations

import secrets
import time

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from segue.errors import Conflict, InvalidInput, NotFound
from segue.social.models import BlockedUser, Friend, FriendRequest, PrivacySettings
from segue_catalog_mongodb.documents import Document


def pair_id(a: str, b: str) -> str:
    return f"{a}:{b}"


async def _names(db: AsyncDatabase[Document], user_ids: list[str]) -> dict[str, tuple[str, str]]:
    """user id -> (name, name_key) for the users that exist."""
    cursor = db["users"].find({"_id": {"$in": user_ids}}, {"name": 1, "name_key": 1})
    return {d["_id"]: (d["name"], d["name_key"]) async for d in cursor}


async def _user_name(db: AsyncDatabase[Document], user_id: str) -> str:
    doc = await db["users"].find_one({"_id": user_id}, {"name": 1})
    if doc is None:
        raise NotFound(f"no user with id '{user_id}'")
    return str(doc["name"])


async def _blocked_either_way(db: AsyncDatabase[Document], a: str, b: str) -> bool:
    found = await db["blocks"].find_one({"_id": {"$in": [pair_id(a, b), pair_id(b, a)]}})
    return found is not None


async def _request(db: AsyncDatabase[Document], doc: Document) -> FriendRequest:
    names = await _names(db, [doc["from_user_id"], doc["to_user_id"]])
    return FriendRequest(
        id=doc["_id"],
        from_user_id=doc["from_user_id"],
        from_name=names.get(doc["from_user_id"], ("", ""))[0],
        to_user_id=doc["to_user_id"],
        to_name=names.get(doc["to_user_id"], ("", ""))[0],
        created_at=doc["created_at"],
    )


async def create_friend_request(
    db: AsyncDatabase[Document], from_user_id: str, to_user_id: str
) -> FriendRequest:
    if from_user_id == to_user_id:
        raise InvalidInput("you cannot send a friend request to yourself; name another user")
    await _user_name(db, from_user_id)
    to_name = await _user_name(db, to_user_id)
    if await _blocked_either_way(db, from_user_id, to_user_id):
        # Same words whoever blocked whom: a blocked user learns nothing.
        raise Conflict(f"a friend request to '{to_name}' is not possible")
    if await db["friendships"].find_one({"_id": pair_id(from_user_id, to_user_id)}) is not None:
        raise Conflict(f"you are already friends with '{to_name}'")
    pending = await db["friend_requests"].find_one(
        {"pair": {"$in": [pair_id(from_user_id, to_user_id), pair_id(to_user_id, from_user_id)]}}
    )
    if pending is not None:
        if pending["from_user_id"] == from_user_id:
            raise Conflict(
                f"your friend request to '{to_name}' is pending already (id '{pending['_id']}')"
            )
        raise Conflict(
            f"'{to_name}' already sent you a friend request: accept it with "
            f"POST /api/v1/friends/requests/{pending['_id']}/accept"
        )
    doc = request_document("fq" + secrets.token_hex(8), from_user_id, to_user_id, time.time())
    try:
        await db["friend_requests"].insert_one(doc)
    except DuplicateKeyError:  # the same request sent twice at once
        raise Conflict(f"your friend request to '{to_name}' is pending already") from None
    return await _request(db, doc)


def request_document(request_id: str, from_id: str, to_id: str, created_at: float) -> Document:
    return {
        "_id": request_id,
        "from_user_id": from_id,
        "to_user_id": to_id,
        "pair": pair_id(from_id, to_id),
        "created_at": created_at,
    }


async def list_friend_requests(db: AsyncDatabase[Document], user_id: str) -> list[FriendRequest]:
    cursor = (
        db["friend_requests"]
        .find({"$or": [{"from_user_id": user_id}, {"to_user_id": user_id}]})
        .sort([("created_at", 1), ("_id", 1)])
    )
    return [await _request(db, doc) async for doc in cursor]


def friendship_ops(a: str, b: str, since: float) -> list[UpdateOne]:
    """Both directions of a friendship; an existing one keeps its date."""
    return [
        UpdateOne(
            {"_id": pair_id(x, y)},
            {"$setOnInsert": {"user_id": x, "friend_id": y, "since": since}},
            upsert=True,
        )
        for x, y in ((a, b), (b, a))
    ]


async def accept_friend_request(
    db: AsyncDatabase[Document], request_id: str, user_id: str
) -> Friend:
    request = await db["friend_requests"].find_one_and_delete(
        {"_id": request_id, "to_user_id": user_id}
    )
    if request is None:
        raise NotFound(
            f"no pending friend request '{request_id}' is addressed to you; "
            "see GET /api/v1/friends/requests"
        )
    sender = str(request["from_user_id"])
    await db["friendships"].bulk_write(friendship_ops(user_id, sender, time.time()), ordered=False)
    friend = await get_friend(db, user_id, sender)
    if friend is None:
        raise NotFound(f"user '{sender}' who sent the request no longer exists")
    return friend


async def delete_friend_request(db: AsyncDatabase[Document], request_id: str, user_id: str) -> bool:
    result = await db["friend_requests"].delete_one(
        {"_id": request_id, "$or": [{"from_user_id": user_id}, {"to_user_id": user_id}]}
    )
    return result.deleted_count > 0


async def _privacy_of(
    db: AsyncDatabase[Document], user_ids: list[str]
) -> dict[str, PrivacySettings]:
    cursor = db["privacy"].find({"_id": {"$in": user_ids}})
    return {d["_id"]: _privacy_from_document(d) async for d in cursor}


def _privacy_from_document(doc: Document) -> PrivacySettings:
    return PrivacySettings(
        private_session=bool(doc["private_session"]),
        private_until=doc.get("private_until"),
        publish_activity=bool(doc["publish_activity"]),
    )


async def _friends(db: AsyncDatabase[Document], query: Document) -> list[Friend]:
    links = [doc async for doc in db["friendships"].find(query)]
    ids = [doc["friend_id"] for doc in links]
    names = await _names(db, ids)
    privacy = await _privacy_of(db, ids)
    friends = [
        (
            names[doc["friend_id"]][1],
            Friend(
                user_id=doc["friend_id"],
                name=names[doc["friend_id"]][0],
                since=doc["since"],
                privacy=privacy.get(doc["friend_id"], PrivacySettings()),
            ),
        )
        for doc in links
        if doc["friend_id"] in names
    ]
    friends.sort(key=lambda item: (item[0], item[1].user_id))
    return [friend for _key, friend in friends]


async def list_friends(db: AsyncDatabase[Document], user_id: str) -> list[Friend]:
    return await _friends(db, {"user_id": user_id})


async def get_friend(db: AsyncDatabase[Document], user_id: str, friend_id: str) -> Friend | None:
    found = await _friends(db, {"_id": pair_id(user_id, friend_id)})
    return found[0] if found else None


async def _unfriend(db: AsyncDatabase[Document], a: str, b: str) -> bool:
    result = await db["friendships"].delete_many({"_id": {"$in": [pair_id(a, b), pair_id(b, a)]}})
    return result.deleted_count > 0


async def remove_friend(db: AsyncDatabase[Document], user_id: str, friend_id: str) -> bool:
    return await _unfriend(db, user_id, friend_id)


async def block_user(db: AsyncDatabase[Document], user_id: str, blocked_id: str) -> BlockedUser:
    if user_id == blocked_id:
        raise InvalidInput("you cannot block yourself; name another user")
    await _user_name(db, user_id)
    name = await _user_name(db, blocked_id)
    await _unfriend(db, user_id, blocked_id)
    await db["friend_requests"].delete_many(
        {"pair": {"$in": [pair_id(user_id, blocked_id), pair_id(blocked_id, user_id)]}}
    )
    key = pair_id(user_id, blocked_id)
    await db["blocks"].update_one(
        {"_id": key},
        {"$setOnInsert": {"user_id": user_id, "blocked_id": blocked_id, "blocked_at": time.time()}},
        upsert=True,
    )
    doc = await db["blocks"].find_one({"_id": key})
    assert doc is not None  # upserted just above
    return BlockedUser(user_id=blocked_id, name=name, blocked_at=doc["blocked_at"])


async def unblock_user(db: AsyncDatabase[Document], user_id: str, blocked_id: str) -> bool:
    result = await db["blocks"].delete_one({"_id": pair_id(user_id, blocked_id)})
    return result.deleted_count > 0


async def list_blocks(db: AsyncDatabase[Document], user_id: str) -> list[BlockedUser]:
    blocks = [doc async for doc in db["blocks"].find({"user_id": user_id})]
    names = await _names(db, [doc["blocked_id"] for doc in blocks])
    listed = [
        (names[d["blocked_id"]][1], d["blocked_id"], d["blocked_at"])
        for d in blocks
        if d["blocked_id"] in names
    ]
    return [
        BlockedUser(user_id=uid, name=names[uid][0], blocked_at=at)
        for _key, uid, at in sorted(listed)
    ]


async def get_privacy(db: AsyncDatabase[Document], user_id: str) -> PrivacySettings:
    doc = await db["privacy"].find_one({"_id": user_id})
    return PrivacySettings() if doc is None else _privacy_from_document(doc)


def privacy_document(user_id: str, settings: PrivacySettings) -> Document:
    return {
        "_id": user_id,
        "private_session": settings.private_session,
        "private_until": settings.private_until,
        "publish_activity": settings.publish_activity,
    }


async def set_privacy(db: AsyncDatabase[Document], user_id: str, settings: PrivacySettings) -> None:
    await _user_name(db, user_id)
    await db["privacy"].replace_one(
        {"_id": user_id}, privacy_document(user_id, settings), upsert=True
    )
