"""The catalog + users slot: tracks, albums, artists, scan state, users and credentials."""

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from segue.catalog.transfer import CatalogChunk, ImportCounts
from segue.models import (
    Album,
    Artist,
    Credential,
    FileState,
    GenreCount,
    ListQuery,
    Page,
    ScanApplied,
    ScanChanges,
    ScanProblem,
    ScanReport,
    Track,
    User,
)
from segue.slots.base import Backend
from segue.social.models import BlockedUser, Friend, FriendRequest, PrivacySettings


class CatalogBackend(Backend, Protocol):
    """Stores the catalog and the users. Default: ``sqlite`` (plugin catalog-sqlite).

    Artist and album ids are computed by ``segue.catalog.identity`` so that
    every backend groups the same files the same way. Track ids are assigned
    by the backend on insert and never change afterwards.
    """

    # --- ingestion -----------------------------------------------------
    async def file_states(self, root: str) -> dict[str, FileState]:
        """Every file known under ``root`` (missing ones included), by relpath."""
        ...

    async def apply_scan(self, changes: ScanChanges) -> ScanApplied:
        """Store one batch of scan findings atomically and return what changed.

        Removed tracks are marked missing, not deleted; a moved track keeps
        its id, play count and everything that refers to it.
        """
        ...

    async def replace_problems(self, root: str, problems: Sequence[ScanProblem]) -> None:
        """Replace the recorded unreadable files under ``root``."""
        ...

    async def list_problems(self) -> list[ScanProblem]: ...

    async def save_scan_report(self, report: ScanReport) -> None:
        """Keep the latest scan report (replacing the previous one)."""
        ...

    async def last_scan_report(self) -> ScanReport | None: ...

    # --- reads ---------------------------------------------------------
    async def get_track(self, track_id: str) -> Track | None: ...

    async def get_tracks(self, track_ids: Sequence[str]) -> list[Track]:
        """The tracks found among ``track_ids``, in the order asked."""
        ...

    async def list_tracks(self, query: ListQuery) -> Page[Track]: ...

    async def get_album(self, album_id: str) -> Album | None: ...

    async def get_albums(self, album_ids: Sequence[str]) -> list[Album]:
        """The albums found among ``album_ids``, in the order asked (repeats kept).

        One read for the whole batch: API pages use it instead of ``get_album`` per item.
        """
        ...

    async def list_albums(self, query: ListQuery) -> Page[Album]: ...

    async def get_artist(self, artist_id: str) -> Artist | None: ...

    async def get_artists(self, artist_ids: Sequence[str]) -> list[Artist]:
        """The artists found among ``artist_ids``, in the order asked (repeats kept).

        One read for the whole batch: API pages use it instead of ``get_artist`` per item.
        """
        ...

    async def list_artists(self, query: ListQuery) -> Page[Artist]: ...

    async def list_genres(self) -> list[GenreCount]: ...

    async def add_play_counts(self, counts: dict[str, int]) -> None:
        """Add to tracks' play counts (track id -> plays to add)."""
        ...

    # --- users and credentials -----------------------------------------
    async def create_user(self, name: str, password_hash: str, *, is_admin: bool) -> User:
        """Raise ``segue.errors.Conflict`` if the name is taken (case-insensitive)."""
        ...

    async def get_user(self, user_id: str) -> User | None: ...

    async def get_user_by_name(self, name: str) -> User | None:
        """Case-insensitive lookup."""
        ...

    async def get_password_hash(self, user_id: str) -> str | None: ...

    async def set_password_hash(self, user_id: str, password_hash: str) -> None: ...

    async def list_users(self) -> list[User]: ...

    async def count_users(self) -> int: ...

    async def add_credential(self, credential: Credential) -> None: ...

    async def find_credential(self, token_hash: str) -> tuple[Credential, User] | None:
        """The credential with this hash and its user, if it exists and has not expired."""
        ...

    async def touch_credential(self, credential_id: str, used_at: float) -> None: ...

    async def list_credentials(self, user_id: str) -> list[Credential]: ...

    async def delete_credential(self, user_id: str, credential_id: str) -> bool: ...

    # --- social graph (friends, blocks, privacy) -------------------------
    async def create_friend_request(self, from_user_id: str, to_user_id: str) -> FriendRequest:
        """Ask ``to_user_id`` to become friends.

        Raise ``InvalidInput`` for oneself, ``NotFound`` for an unknown user,
        ``Conflict`` when they are friends already, a request is pending
        either way, or either blocked the other.
        """
        ...

    async def list_friend_requests(self, user_id: str) -> list[FriendRequest]:
        """Pending requests sent by or to ``user_id``, oldest first."""
        ...

    async def accept_friend_request(self, request_id: str, user_id: str) -> Friend:
        """Accept a request addressed to ``user_id``; return the new friend (the sender).

        Raise ``NotFound`` if no pending request with that id is addressed to
        ``user_id``. Friendship is mutual: both now list each other.
        """
        ...

    async def delete_friend_request(self, request_id: str, user_id: str) -> bool:
        """Decline (addressee) or withdraw (sender) a request; False if there was none."""
        ...

    async def list_friends(self, user_id: str) -> list[Friend]:
        """The user's friends with their privacy settings, by name."""
        ...

    async def get_friend(self, user_id: str, friend_id: str) -> Friend | None:
        """``friend_id`` as a friend of ``user_id`` (with privacy settings), or None."""
        ...

    async def remove_friend(self, user_id: str, friend_id: str) -> bool:
        """End a friendship (both ways); False if they were not friends."""
        ...

    async def block_user(self, user_id: str, blocked_id: str) -> BlockedUser:
        """Block a user: ends the friendship and pending requests both ways.

        Raise ``InvalidInput`` for oneself and ``NotFound`` for an unknown
        user; blocking again changes nothing.
        """
        ...

    async def unblock_user(self, user_id: str, blocked_id: str) -> bool:
        """Lift a block (friendship is not restored); False if there was none."""
        ...

    async def list_blocks(self, user_id: str) -> list[BlockedUser]:
        """The users ``user_id`` blocked, by name."""
        ...

    async def get_privacy(self, user_id: str) -> PrivacySettings:
        """The user's privacy settings (defaults if never set)."""
        ...

    async def set_privacy(self, user_id: str, settings: PrivacySettings) -> None:
        """Replace the user's privacy settings; ``NotFound`` for an unknown user."""
        ...

    # --- per-user secrets kept for plugins (e.g. a Subsonic app password) ---------

    async def get_user_secret(self, user_id: str, name: str) -> str | None:
        """The opaque value stored under ``name`` for the user, or ``None``.

        The catalog stores what it is given: a plugin that keeps something
        sensitive here encrypts it first (the Subsonic plugin does).
        """
        ...

    async def set_user_secret(self, user_id: str, name: str, value: str | None) -> None:
        """Store ``value`` under ``name`` for the user (``None`` deletes it);
        ``NotFound`` for an unknown user. Deleting a user deletes its secrets."""
        ...


@runtime_checkable
class CatalogTransfer(Protocol):
    """Optional: a catalog backend that can be copied to another (``segue catalog migrate``).

    Both built-in backends (``sqlite``, ``mongodb``) implement it.
    """

    def export_catalog(self) -> AsyncIterator[CatalogChunk]:
        """Every user, track, credential, social record, secret and the scan state, in chunks.

        Users come before the records that refer to them.
        """
        ...

    async def import_catalog(self, chunk: CatalogChunk) -> ImportCounts:
        """Store the chunk's records that are not there yet (by id) and return how many.

        Safe to repeat: a record already present is left unchanged, so a second
        run duplicates nothing. Albums and artists are recomputed from the
        imported tracks. Raise ``segue.errors.Conflict`` when a user of the
        chunk has the name of another (different id) user already stored.
        """
        ...
