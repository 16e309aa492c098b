"""What the playlists API does around the slot: access rules, checks and live diffs.

Backends only store. Here: who may read or change a playlist, that track ids
exist in the catalog, how slot errors become HTTP problems (422 for bad
input, 409 with the current version for conflicts), and who gets each
change pushed over ``GET /api/v1/ws``.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import anyio
import msgspec
import structlog
from litestar.exceptions import HTTPException
from litestar.plugins.problem_details import ProblemDetailsException

from segue.context import SegueContext, SlotUnavailable
from segue.errors import InvalidInput, NotFound
from segue.models import User
from segue.playlists.edits import EditConflict
from segue.playlists.models import MAX_ENTRIES, MAX_NAME, Playlist
from segue.slots.playlists import PlaylistsBackend
from segue.social.live import publish_to_users

log = structlog.get_logger("segue.playlists")

VIEWER_TTL_S = 1800.0
"""Someone who read a playlist this recently still gets its diffs pushed."""
DIFF = "playlist.diff"
UPDATED = "playlist.updated"
DELETED = "playlist.deleted"


def backend(context: SegueContext) -> PlaylistsBackend:
    """The playlists slot, or a 503 saying how to configure one."""
    playlists = context.playlists
    if playlists is None:
        raise SlotUnavailable(
            'playlists are off: set [playlists] backend = "sqlite" (or "mongodb") in the config'
        )
    return playlists


@contextmanager
def http_errors() -> Iterator[None]:
    """Bad input from the slot becomes a 422, a conflict a 409 naming the current version."""
    try:
        yield
    except EditConflict as exc:
        raise ProblemDetailsException(
            status_code=409,
            detail=str(exc),
            title="Conflict",
            extra={"current_version": exc.current_version},
        ) from None
    except InvalidInput as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def unprocessable(message: str) -> HTTPException:
    return HTTPException(status_code=422, detail=message)


def check_name(name: str) -> str:
    if not 1 <= len(name) <= MAX_NAME or not name.strip():
        raise unprocessable(
            f"a playlist name must be 1 to {MAX_NAME} characters (not blank); "
            f"got {len(name)} characters"
        )
    return name


async def check_tracks(context: SegueContext, track_ids: Sequence[str]) -> None:
    """Refuse unknown track ids (422 naming them) and more than a playlist can hold."""
    if len(track_ids) > MAX_ENTRIES:
        raise unprocessable(
            f"at most {MAX_ENTRIES} tracks per request and per playlist; got {len(track_ids)}"
        )
    wanted = list(dict.fromkeys(track_ids))
    found = {t.id for t in await context.catalog.get_tracks(wanted)}
    unknown = [t for t in wanted if t not in found]
    if unknown:
        shown = ", ".join(repr(t) for t in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise unprocessable(
            f"unknown track ids: {shown}{more}; use ids from GET /api/v1/tracks or search"
        )


def may_read(playlist: Playlist, user: User) -> bool:
    return (
        playlist.public
        or playlist.owner_id == user.id
        or user.id in playlist.collaborators
        or user.is_admin
    )


def may_edit_entries(playlist: Playlist, user: User) -> bool:
    return playlist.owner_id == user.id or (
        playlist.collaborative and user.id in playlist.collaborators
    )


async def readable(context: SegueContext, playlist_id: str, user: User) -> Playlist:
    """The playlist if ``user`` may see it; otherwise the same 404 as for a missing one."""
    playlist = await backend(context).get_playlist(playlist_id)
    if playlist is None or not may_read(playlist, user):
        raise NotFound(f"no playlist with id {playlist_id!r} that you can see")
    viewers = audience(context)
    viewers.saw(playlist_id, user.id)
    await viewers.relay_from_other_processes(context)
    return playlist


async def editable(context: SegueContext, playlist_id: str, user: User) -> Playlist:
    playlist = await readable(context, playlist_id, user)
    if not may_edit_entries(playlist, user):
        raise HTTPException(
            status_code=403,
            detail="only the owner, or collaborators of a collaborative playlist, can edit "
            "its tracks",
        )
    return playlist


async def owned(context: SegueContext, playlist_id: str, user: User) -> Playlist:
    playlist = await readable(context, playlist_id, user)
    if playlist.owner_id != user.id:
        raise HTTPException(status_code=403, detail="only the playlist's owner can change this")
    return playlist


# --- live diffs -------------------------------------------------------------------
VIEWERS_CHANNEL = "playlists:viewers"
"""Presence channel of public playlists' changes, for the recent readers each process knows."""
RELAY_READY_S = 2.0
"""How long a first read waits for this process to start relaying other processes' changes."""


class Audience:
    """Who recently read each playlist in this process (they get its diffs too).

    Readers are remembered by the process that served the read; a change made
    by another process reaches them through :data:`VIEWERS_CHANNEL`: every
    process that served reads relays it to its own readers.
    """

    def __init__(self) -> None:
        self._viewers: dict[str, dict[str, float]] = {}
        self._relaying: anyio.Event | None = None

    def saw(self, playlist_id: str, user_id: str) -> None:
        self._viewers.setdefault(playlist_id, {})[user_id] = time.monotonic()

    def viewers(self, playlist_id: str) -> list[str]:
        seen = self._viewers.get(playlist_id, {})
        cutoff = time.monotonic() - VIEWER_TTL_S
        for user_id in [u for u, t in seen.items() if t < cutoff]:
            del seen[user_id]
        return list(seen)

    async def relay_from_other_processes(self, context: SegueContext) -> None:
        """Start relaying (once per process, on its first read), then wait until it listens."""
        if self._relaying is not None and self._relaying.is_set():
            return
        if self._relaying is None:
            self._relaying = anyio.Event()
            if context.presence is None:
                self._relaying.set()  # nothing is pushed at all
            else:
                try:
                    context.spawn(self._relay, context, name="playlist-viewers-relay")
                except RuntimeError:  # not a running server (a CLI command): no sockets here
                    self._relaying.set()
        with anyio.move_on_after(RELAY_READY_S):
            await self._relaying.wait()

    async def _relay(self, context: SegueContext) -> None:
        assert context.presence is not None and self._relaying is not None
        try:
            async with context.presence.subscribe([VIEWERS_CHANNEL]) as subscription:
                self._relaying.set()
                async for _channel, note in subscription:
                    skip = set(note.get("told", ()))
                    users = [u for u in self.viewers(str(note.get("playlist_id"))) if u not in skip]
                    try:
                        if users:
                            await publish_to_users(context, users, note["message"])
                    except Exception as exc:  # one bad note must not end the relay
                        log.warning("playlist change not relayed", error=repr(exc))
        finally:
            self._relaying.set()


_audiences: weakref.WeakKeyDictionary[SegueContext, Audience] = weakref.WeakKeyDictionary()


def audience(context: SegueContext) -> Audience:
    found = _audiences.get(context)
    if found is None:
        found = _audiences[context] = Audience()
    return found


async def recipients(context: SegueContext, playlist: Playlist) -> list[str]:
    """Owner, collaborators, followers and recent viewers (who may still read it)."""
    users = [playlist.owner_id, *playlist.collaborators]
    if playlist.public:
        users += await backend(context).list_followers(playlist.id)
        users += audience(context).viewers(playlist.id)
    return list(dict.fromkeys(users))


async def publish(
    context: SegueContext, playlist: Playlist, message: dict[str, Any], extra: Iterable[str] = ()
) -> None:
    """Push ``message`` to everyone following along; a push failure never fails the edit.

    A public playlist's change also goes to :data:`VIEWERS_CHANNEL`, so that
    other processes pass it on to the readers they remember (``told`` are
    the users already sent it, this process's readers among them).
    """
    try:
        users = list(dict.fromkeys([*await recipients(context, playlist), *extra]))
        encoded = msgspec.to_builtins(message)
        await publish_to_users(context, users, encoded)
        if playlist.public and context.presence is not None:
            note = {"playlist_id": playlist.id, "told": users, "message": encoded}
            await context.presence.publish(VIEWERS_CHANNEL, note)
    except Exception as exc:
        log.warning("playlist change not pushed", playlist=playlist.id, error=repr(exc))
