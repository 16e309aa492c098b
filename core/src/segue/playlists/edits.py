"""Apply entry edits to a playlist: the same rules for every backend.

Edits address entries by id, never by position. Removed entries stay in the
order as tombstones (``StoredEntry.removed``), so an insert or a move
anchored on an entry that someone removed meanwhile lands where it was.

A writer may say which version it saw (``base_version``). Operations that
commute with what changed since are applied anyway (rebased); a real
conflict raises :class:`EditConflict`: moving an entry that was moved or
removed since, or changing a field that was changed since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from segue.errors import Conflict, InvalidInput
from segue.playlists.models import (
    MAX_ENTRIES,
    Change,
    DiffInsert,
    DiffMove,
    DiffOp,
    DiffRemove,
    EditOp,
    Entry,
    InsertOp,
    MoveOp,
    RemoveOp,
    StoredEntry,
)

CHANGE_LOG_SIZE = 500
"""Versions remembered per playlist for rebasing; an older base version is a conflict."""


class EditConflict(Conflict):
    """The edit conflicts with a change made since the writer's version."""

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


def check_base(
    base_version: int | None, current_version: int, changes: Sequence[Change]
) -> list[Change]:
    """The changes made after ``base_version`` (empty without one); raise if they are not known."""
    if base_version is None or base_version == current_version:
        return []
    if base_version > current_version:
        raise InvalidInput(
            f"base_version {base_version} is newer than the playlist's version "
            f"{current_version}: send a version you read from this playlist"
        )
    since = [c for c in changes if c.version > base_version]
    if len(since) != current_version - base_version:
        raise EditConflict(
            f"version {base_version} is too old to rebase on version {current_version}: "
            "reload the playlist and edit again",
            current_version,
        )
    return since


def check_fields(fields: Sequence[str], since: Sequence[Change], current_version: int) -> None:
    """Raise if one of ``fields`` was changed by a version after the writer's."""
    changed = {f for c in since for f in c.fields}
    clash = sorted(changed.intersection(fields))
    if clash:
        raise EditConflict(
            f"{', '.join(clash)} changed since your version (now version "
            f"{current_version}): reload the playlist and decide again",
            current_version,
        )


class EntryEditor:
    """Applies operations to one playlist's entries in memory, recording the diff."""

    def __init__(
        self,
        entries: list[StoredEntry],
        *,
        current_version: int,
        since: Sequence[Change],
        user_id: str,
        now: float,
        new_id: Callable[[], str],
    ) -> None:
        self.entries = entries
        self.current_version = current_version
        self.user_id = user_id
        self.now = now
        self.new_id = new_id
        self.diff: list[DiffOp] = []
        self.moved: list[str] = []
        self.removed: list[str] = []
        self.inserted: list[StoredEntry] = []
        self._touched_since = {e for c in since for e in (*c.moved, *c.removed)}
        self.live_count = sum(1 for e in entries if not e.removed)

    # --- helpers -------------------------------------------------------
    def _index(self, entry_id: str, role: str) -> int:
        for i, entry in enumerate(self.entries):
            if entry.id == entry_id:
                return i
        raise InvalidInput(f"{role} {entry_id!r} is not an entry of this playlist")

    def _visible_before(self, index: int) -> str | None:
        """The id of the nearest live entry before ``index`` (None: the start)."""
        for entry in reversed(self.entries[:index]):
            if not entry.removed:
                return entry.id
        return None

    def _slot_after(self, after: str | None, at: str | None) -> int:
        if after is not None:
            return self._index(after, "anchor entry") + 1
        return 0 if at == "start" else len(self.entries)

    # --- operations ------------------------------------------------------
    def apply(self, ops: Sequence[EditOp]) -> None:
        for op in ops:
            if isinstance(op, InsertOp):
                self.insert(op)
            elif isinstance(op, RemoveOp):
                self.remove(op)
            else:
                self.move(op)

    def insert(self, op: InsertOp) -> None:
        if self.live_count + len(op.track_ids) > MAX_ENTRIES:
            raise InvalidInput(
                f"a playlist holds at most {MAX_ENTRIES} entries: it has {self.live_count}, "
                f"adding {len(op.track_ids)} would make {self.live_count + len(op.track_ids)}"
            )
        slot = self._slot_after(op.after, op.at)
        new = [
            StoredEntry(id=self.new_id(), track_id=t, added_by=self.user_id, added_at=self.now)
            for t in op.track_ids
        ]
        self.entries[slot:slot] = new
        self.live_count += len(new)
        self.inserted.extend(new)
        self.diff.append(DiffInsert(after=self._visible_before(slot), entries=public(new)))

    def remove(self, op: RemoveOp) -> None:
        gone: list[str] = []
        for entry_id in dict.fromkeys(op.entry_ids):
            entry = self.entries[self._index(entry_id, "entry")]
            if not entry.removed:  # removing twice commutes: nothing more to do
                entry.removed = True
                gone.append(entry_id)
        self.live_count -= len(gone)
        self.removed.extend(gone)
        if gone:
            self.diff.append(DiffRemove(entry_ids=gone))

    def move(self, op: MoveOp) -> None:
        if op.after == op.entry_id:
            raise InvalidInput(f"cannot move entry {op.entry_id!r} after itself")
        index = self._index(op.entry_id, "entry")
        entry = self.entries[index]
        if entry.removed or op.entry_id in self.removed:
            raise EditConflict(
                f"entry {op.entry_id!r} was removed (now version {self.current_version}): "
                "it can no longer be moved",
                self.current_version,
            )
        if op.entry_id in self._touched_since:
            raise EditConflict(
                f"entry {op.entry_id!r} was moved or removed since your version (now version "
                f"{self.current_version}): reload the playlist and move it again",
                self.current_version,
            )
        if op.after is not None:
            self._index(op.after, "anchor entry")  # unknown anchors are refused before moving
        del self.entries[index]
        slot = self._slot_after(op.after, "start")
        self.entries.insert(slot, entry)
        self.moved.append(entry.id)
        self.diff.append(DiffMove(entry_id=entry.id, after=self._visible_before(slot)))

    def change(self, version: int) -> Change:
        return Change(version=version, moved=self.moved, removed=self.removed)


def public(entries: Sequence[StoredEntry]) -> list[Entry]:
    """Entries as clients see them (without the tombstone flag)."""
    return [
        Entry(id=e.id, track_id=e.track_id, added_by=e.added_by, added_at=e.added_at)
        for e in entries
    ]


def live(entries: Sequence[StoredEntry]) -> list[StoredEntry]:
    return [e for e in entries if not e.removed]
