"""Creating users and changing passwords, with the checks the CLI and the API share."""

from __future__ import annotations

import re

from segue.auth.passwords import check_password_policy, hash_password
from segue.context import SegueContext
from segue.errors import InvalidInput, NotFound
from segue.models import User

MAX_NAME_LENGTH = 64
# Letters, digits and a few separators: names appear in URLs, logs and players' UIs.
_NAME = re.compile(r"^[\w.@+-]+$")


def check_user_name(name: str) -> None:
    """Raise InvalidInput when ``name`` cannot be a user name."""
    if not name or len(name) > MAX_NAME_LENGTH or not _NAME.match(name):
        raise InvalidInput(
            f"invalid user name {name!r}: use 1 to {MAX_NAME_LENGTH} letters, digits "
            "or the characters . _ - @ + (no spaces)"
        )


async def create_user(context: SegueContext, name: str, password: str, *, is_admin: bool) -> User:
    """Validate and create a user; Conflict if the name is taken."""
    check_user_name(name)
    check_password_policy(password)
    return await context.catalog.create_user(name, await hash_password(password), is_admin=is_admin)


async def change_password(context: SegueContext, name: str, password: str) -> User:
    """Set a new password and end the user's login sessions (API keys stay)."""
    check_password_policy(password)
    user = await context.catalog.get_user_by_name(name)
    if user is None:
        raise NotFound(f"no user named {name!r} (see `segue user list`)")
    await context.catalog.set_password_hash(user.id, await hash_password(password))
    for credential in await context.catalog.list_credentials(user.id):
        if credential.kind == "session":
            await context.catalog.delete_credential(user.id, credential.id)
    return user
