"""The catalog + users slot: tracks, albums, artists, scan state, users and credentials."""

from collections.abc import Sequence
from typing import Protocol

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

    async def list_albums(self, query: ListQuery) -> Page[Album]: ...

    async def get_artist(self, artist_id: str) -> Artist | None: ...

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
