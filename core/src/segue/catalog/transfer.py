"""The shapes a catalog backend exports and imports when an install moves to another backend.

``segue catalog migrate`` reads ``CatalogChunk`` s from one backend's
``export_catalog()`` and hands each to the other's ``import_catalog()``
(see ``segue.slots.catalog.CatalogTransfer``). A chunk carries records of
any kinds; importers store users before what refers to them.
"""

from __future__ import annotations

import msgspec

from segue.models import Credential, ScanProblem, ScanReport, Track, User
from segue.social.models import PrivacySettings


class UserRecord(msgspec.Struct, kw_only=True):
    """A user with its password hash (so that the same password still logs in)."""

    user: User
    password_hash: str


class FriendshipRecord(msgspec.Struct, kw_only=True):
    """One friendship (importers store both directions)."""

    user_id: str
    friend_id: str
    since: float


class FriendRequestRecord(msgspec.Struct, kw_only=True):
    """A pending friend request."""

    id: str
    from_user_id: str
    to_user_id: str
    created_at: float


class BlockRecord(msgspec.Struct, kw_only=True):
    """``user_id`` blocked ``blocked_id``."""

    user_id: str
    blocked_id: str
    blocked_at: float


class PrivacyRecord(msgspec.Struct, kw_only=True):
    """A user's privacy settings (only users who changed them have one)."""

    user_id: str
    settings: PrivacySettings


class SecretRecord(msgspec.Struct, kw_only=True):
    """An opaque per-user value a plugin stored (copied as is, still encrypted)."""

    user_id: str
    name: str
    value: str


class CatalogChunk(msgspec.Struct, kw_only=True):
    """A batch of exported catalog records; any field may be empty."""

    users: list[UserRecord] = []
    tracks: list[Track] = []
    """Tracks with their ids, play counts, dates and missing flags; albums and
    artists are recomputed from them by the importer."""
    credentials: list[Credential] = []
    friendships: list[FriendshipRecord] = []
    friend_requests: list[FriendRequestRecord] = []
    blocks: list[BlockRecord] = []
    privacy: list[PrivacyRecord] = []
    secrets: list[SecretRecord] = []
    problems: list[ScanProblem] = []
    scan_report: ScanReport | None = None


class ImportCounts(msgspec.Struct, kw_only=True):
    """How many records an import newly stored (records already there are left as they are)."""

    users: int = 0
    tracks: int = 0
    credentials: int = 0
    friendships: int = 0
    friend_requests: int = 0
    blocks: int = 0
    privacy: int = 0
    secrets: int = 0
    problems: int = 0

    def add(self, other: ImportCounts) -> None:
        """Add ``other``'s counts to these."""
        for field in self.__struct_fields__:
            setattr(self, field, getattr(self, field) + getattr(other, field))
