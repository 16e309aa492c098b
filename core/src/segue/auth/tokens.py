"""Login tokens and API keys: random secrets of which only a sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid

from segue.context import SegueContext
from segue.models import Credential, CredentialKind, User

SECONDS_PER_DAY = 86_400.0


def new_secret() -> str:
    """A fresh secret for a token or key (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What the catalog stores and looks up instead of the secret itself."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def issue_credential(
    context: SegueContext,
    user: User,
    *,
    kind: CredentialKind,
    name: str,
    expires_at: float | None = None,
) -> tuple[str, Credential]:
    """Create and store a credential for ``user``; returns (secret, stored credential)."""
    secret = new_secret()
    credential = Credential(
        id=uuid.uuid4().hex,
        user_id=user.id,
        kind=kind,
        name=name,
        token_hash=hash_secret(secret),
        created_at=time.time(),
        expires_at=expires_at,
    )
    await context.catalog.add_credential(credential)
    return secret, credential


async def issue_session(context: SegueContext, user: User) -> tuple[str, Credential]:
    """A login token valid for ``[auth] token_ttl_days``."""
    ttl = context.config.auth.token_ttl_days * SECONDS_PER_DAY
    return await issue_credential(
        context, user, kind="session", name="login", expires_at=time.time() + ttl
    )


async def issue_api_key(context: SegueContext, user: User, name: str) -> tuple[str, Credential]:
    """A named API key that does not expire (until deleted)."""
    return await issue_credential(context, user, kind="api_key", name=name)
