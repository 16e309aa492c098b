"""Recording identity: which recording each file is, and which file stands for it.

A recording id names a duplicate group and stays put: a track keeps the
recording id it was once given, and a new group takes the id of its oldest
member (a file alone is its own recording, its id being its track id). So
play counts, playlists and royalties keyed by recording survive new copies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from segue_fingerprint_chromaprint.matching import Group
from segue_fingerprint_chromaprint.store import FileFacts, GroupRow

LOSSLESS_CODECS = {"flac", "alac", "wav", "pcm", "aiff", "ape", "wavpack", "wv", "tta"}


def assign_recordings(
    groups: Sequence[Group],
    history: Mapping[str, tuple[str, float]],
    facts: Mapping[str, FileFacts],
) -> list[GroupRow]:
    """One row per grouped track, each group under a recording id no other group has."""
    taken: set[str] = set()
    rows: list[GroupRow] = []
    for group in groups:
        recording_id = _pick_recording_id(group, history, facts, taken)
        taken.add(recording_id)
        rows.extend(
            GroupRow(
                track_id=track_id,
                recording_id=recording_id,
                similarity=group.member_similarity[track_id],
                group_similarity=group.similarity,
            )
            for track_id in group.track_ids
        )
    return rows


def _pick_recording_id(
    group: Group,
    history: Mapping[str, tuple[str, float]],
    facts: Mapping[str, FileFacts],
    taken: set[str],
) -> str:
    # Ids members had before, oldest first; then members' own ids, oldest file first.
    earlier = sorted((history[t][1], history[t][0]) for t in group.track_ids if t in history)
    own = sorted((facts[t].computed_at if t in facts else float("inf"), t) for t in group.track_ids)
    for _when, candidate in [*earlier, *own]:
        if candidate not in taken:
            return candidate
    return group.track_ids[0]  # unreachable in practice: a group's own ids are all distinct


def quality_order(facts: FileFacts) -> tuple[bool, int, int, str]:
    """Sort key putting the best file first: lossless, then higher bitrate, then bigger."""
    return (
        facts.codec.lower() not in LOSSLESS_CODECS,
        -(facts.bitrate or 0),
        -facts.size,
        facts.track_id,
    )


@dataclass(frozen=True)
class RecordingMap:
    """In-memory answers for hooks that must not do I/O (``extra_track_fields``...)."""

    recording_of: dict[str, str] = field(default_factory=dict)
    """Grouped track id -> recording id. Other tracks are their own recording."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """Recording id -> its tracks' ids."""
    preferred: dict[str, str] = field(default_factory=dict)
    """Recording id -> the file that stands for it (an admin's choice, or the best quality)."""
    acoustid_recordings: dict[str, str] = field(default_factory=dict)
    """Track id -> MusicBrainz recording id found through AcoustID."""

    @classmethod
    def build(
        cls,
        rows: Sequence[GroupRow],
        chosen: Mapping[str, str],
        facts: Mapping[str, FileFacts],
        acoustid_recordings: Mapping[str, str] | None = None,
    ) -> RecordingMap:
        recording_of = {row.track_id: row.recording_id for row in rows}
        members: dict[str, list[str]] = {}
        for row in rows:
            members.setdefault(row.recording_id, []).append(row.track_id)
        preferred: dict[str, str] = {}
        for recording_id, track_ids in members.items():
            choice = chosen.get(recording_id)
            if choice in track_ids:
                preferred[recording_id] = choice
            else:
                known = [facts[t] for t in track_ids if t in facts]
                best = min(known, key=quality_order).track_id if known else min(track_ids)
                preferred[recording_id] = best
        return cls(recording_of, members, preferred, dict(acoustid_recordings or {}))

    def recording_id(self, track_id: str) -> str:
        return self.recording_of.get(track_id, track_id)

    def preferred_track_id(self, track_id: str) -> str:
        return self.preferred.get(self.recording_id(track_id), track_id)

    def track_fields(self, track_id: str) -> dict[str, object] | None:
        """What ``extra_track_fields`` adds to a track's JSON.

        Only tracks with copies (or an AcoustID match) get fields; a track
        without them is its own recording, so clients read a missing
        ``recording_id`` as the track's own id.
        """
        fields: dict[str, object] = {}
        recording_id = self.recording_of.get(track_id)
        if recording_id is not None:
            fields["recording_id"] = recording_id
            fields["preferred_track_id"] = self.preferred_track_id(track_id)
            fields["duplicate_track_ids"] = [
                t for t in self.members.get(recording_id, []) if t != track_id
            ]
        if track_id in self.acoustid_recordings:
            fields["acoustid_musicbrainz_recording_id"] = self.acoustid_recordings[track_id]
        return fields or None
