"""Users, their credentials (session tokens, API keys) and the secrets plugins keep per user.

Unique indexes (``name_key``, ``token_hash``) settle races between
processes: the loser of a concurrent insert gets ``DuplicateKeyError``.
"""

from __future__ import annotations

import secrets
import time

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from segue.errors import Conflict, InvalidInput, NotFound
from segue.models import Credential, User
from segue_catalog_mongodb.documents import (
    USER_PROJECTION,
    Document,
    credential_document,
    credential_from_document,
    user_from_document,
)


def name_key(name: str) -> str:
    """User names are unique and looked up case-insensitively."""
    return name.strip().casefold()


def secret_id(user_id: str, name: str) -> str:
    # \x1f cannot occur in a user id, so two (user, name) pairs never share an id.
    return f"{user_id}\x1f{name}"


def _taken(shown: str, existing: str) -> Conflict:
    return Conflict(
        f"a user named '{existing}' already exists (names are compared "
        f"ignoring case), so '{shown}' cannot be created; choose another name"
    )


async def create_user(
    db: AsyncDatabase[Document], name: str, password_hash: str, *, is_admin: bool
) -> User:
    shown = name.strip()
    if not shown:
        raise InvalidInput("a user name cannot be empty; give at least one visible character")
    existing = await db["users"].find_one({"name_key": name_key(shown)}, {"name": 1})
    if existing is not None:
        raise _taken(shown, existing["name"])
    user = User(
        id="us" + secrets.token_hex(8), name=shown, is_admin=is_admin, created_at=time.time()
    )
    try:
        await db["users"].insert_one(user_document(user, password_hash))
    except DuplicateKeyError:
        raise _taken(shown, shown) from None
    return user


def user_document(user: User, password_hash: str) -> Document:
    return {
        "_id": user.id,
        "name": user.name,
        "name_key": name_key(user.name),
        "password_hash": password_hash,
        "is_admin": user.is_admin,
        "created_at": user.created_at,
    }


async def get_user(db: AsyncDatabase[Document], user_id: str) -> User | None:
    doc = await db["users"].find_one({"_id": user_id}, USER_PROJECTION)
    return None if doc is None else user_from_document(doc)


async def get_user_by_name(db: AsyncDatabase[Document], name: str) -> User | None:
    doc = await db["users"].find_one({"name_key": name_key(name)}, USER_PROJECTION)
    return None if doc is None else user_from_document(doc)


async def get_password_hash(db: AsyncDatabase[Document], user_id: str) -> str | None:
    doc = await db["users"].find_one({"_id": user_id}, {"password_hash": 1})
    return None if doc is None else str(doc["password_hash"])


async def set_password_hash(db: AsyncDatabase[Document], user_id: str, password_hash: str) -> None:
    result = await db["users"].update_one(
        {"_id": user_id}, {"$set": {"password_hash": password_hash}}
    )
    if result.matched_count == 0:
        raise NotFound(f"no user with id '{user_id}'")


async def list_users(db: AsyncDatabase[Document]) -> list[User]:
    cursor = db["users"].find({}, USER_PROJECTION).sort([("name_key", 1), ("_id", 1)])
    return [user_from_document(doc) async for doc in cursor]


async def count_users(db: AsyncDatabase[Document]) -> int:
    return await db["users"].count_documents({})


async def add_credential(db: AsyncDatabase[Document], credential: Credential) -> None:
    if await get_user(db, credential.user_id) is None:
        raise NotFound(f"cannot add a credential for user '{credential.user_id}': no such user")
    try:
        await db["credentials"].insert_one(credential_document(credential))
    except DuplicateKeyError:
        raise Conflict(
            f"a credential with id '{credential.id}' or the same token already exists"
        ) from None


async def find_credential(
    db: AsyncDatabase[Document], token_hash: str, now: float
) -> tuple[Credential, User] | None:
    doc = await db["credentials"].find_one({"token_hash": token_hash})
    if doc is None:
        return None
    credential = credential_from_document(doc)
    if credential.expires_at is not None and credential.expires_at <= now:
        return None
    user = await get_user(db, credential.user_id)
    return None if user is None else (credential, user)


async def touch_credential(db: AsyncDatabase[Document], credential_id: str, used_at: float) -> None:
    await db["credentials"].update_one({"_id": credential_id}, {"$set": {"last_used_at": used_at}})


async def list_credentials(db: AsyncDatabase[Document], user_id: str) -> list[Credential]:
    cursor = db["credentials"].find({"user_id": user_id}).sort([("created_at", 1), ("_id", 1)])
    return [credential_from_document(doc) async for doc in cursor]


async def delete_credential(db: AsyncDatabase[Document], user_id: str, credential_id: str) -> bool:
    result = await db["credentials"].delete_one({"_id": credential_id, "user_id": user_id})
    return result.deleted_count > 0


async def get_user_secret(db: AsyncDatabase[Document], user_id: str, name: str) -> str | None:
    doc = await db["user_secrets"].find_one({"_id": secret_id(user_id, name)}, {"value": 1})
    return None if doc is None else str(doc["value"])


async def set_user_secret(
    db: AsyncDatabase[Document], user_id: str, name: str, value: str | None
) -> None:
    if await db["users"].find_one({"_id": user_id}, {"_id": 1}) is None:
        raise NotFound(f"no user with id '{user_id}'")
    key = secret_id(user_id, name)
    if value is None:
        await db["user_secrets"].delete_one({"_id": key})
        return
    await db["user_secrets"].replace_one(
        {"_id": key}, {"_id": key, "user_id": user_id, "name": name, "value": value}, upsert=True
    )
