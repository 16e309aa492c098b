"""The first admin account, created when the server starts with no users at all."""

from __future__ import annotations

import secrets

import structlog

from segue.auth.accounts import create_user
from segue.context import SegueContext
from segue.errors import Conflict, InvalidInput

log = structlog.get_logger("segue.auth")


async def ensure_admin(context: SegueContext) -> bool:
    """Create ``[auth] admin_user`` if the catalog has no user; True if one was created.

    Idempotent: once any user exists nothing happens, so restarts never reset
    or reprint anything. A generated password is printed once to stdout (not
    to the log, which may be collected elsewhere).
    """
    if await context.catalog.count_users() > 0:
        return False
    auth = context.config.auth
    password = auth.admin_password or secrets.token_urlsafe(12)
    try:
        await create_user(context, auth.admin_user, password, is_admin=True)
    except Conflict:
        return False  # another process created it between our count and insert
    except InvalidInput as exc:
        log.error(
            "no admin user created: fix [auth] admin_user / admin_password and restart",
            problem=str(exc),
        )
        return False
    if auth.admin_password:
        log.info("created admin user from [auth] admin_password", user=auth.admin_user)
    else:
        log.info(
            "created admin user with a generated password (printed once)", user=auth.admin_user
        )
        print(
            f"Created admin user '{auth.admin_user}' with password: {password}\n"
            f"(shown once; change it with `segue user passwd {auth.admin_user}`)",
            flush=True,
        )
    return True
