"""The plugin's running state in one Segue process: compute, store, detect, answer.

One :class:`Fingerprinter` per :class:`SegueContext`, opened on start-up and
closed on shutdown. fpcalc runs at most ``workers`` at a time across every
caller in the process (the CLI, job handlers, the identify endpoint).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
import msgspec
import structlog

from segue.context import SegueContext
from segue.errors import InvalidInput, NotFound
from segue.models import Track
from segue_fingerprint_chromaprint.acoustid import AcoustIDClient
from segue_fingerprint_chromaprint.config import Config, plugin_config
from segue_fingerprint_chromaprint.fpcalc import (
    FingerprintFailed,
    FpcalcMissing,
    fpcalc_missing_message,
    run_fpcalc,
    run_fpcalc_compressed,
)
from segue_fingerprint_chromaprint.matching import MatchSettings, find_groups
from segue_fingerprint_chromaprint.recordings import RecordingMap, assign_recordings
from segue_fingerprint_chromaprint.store import FingerprintStore

log = structlog.get_logger("segue.fingerprint")

DETECT_DEBOUNCE = 1.0
"""Seconds a requested detection waits, so that a burst of jobs triggers one run."""


class GroupMember(msgspec.Struct, kw_only=True):
    track_id: str
    root: str
    relpath: str
    path: str
    """The file: root/relpath."""
    codec: str
    bitrate: int | None
    duration: float
    """Seconds, as fpcalc decoded them."""
    similarity: float
    """This file's best similarity to another member (1 - bit error rate)."""


class DuplicateGroup(msgspec.Struct, kw_only=True):
    """Files found to hold the same recording."""

    id: str
    """The group's id: its recording id (stable across detections)."""
    recording_id: str
    similarity: float
    """The weakest match that joined the group (1 - bit error rate, 0..1)."""
    preferred_track_id: str
    """The file that stands for the recording (an admin's choice, else the best quality)."""
    members: list[GroupMember]


@dataclass(frozen=True)
class Outcome:
    track_id: str
    duration: float | None
    error: str | None = None


@dataclass(frozen=True)
class RunSummary:
    """What a fingerprinting run did, and how fast."""

    fingerprinted: int
    failed: int
    audio_seconds: float
    seconds: float

    @property
    def tracks_per_second(self) -> float:
        return (self.fingerprinted + self.failed) / self.seconds if self.seconds else 0.0

    @property
    def audio_seconds_per_second(self) -> float:
        return self.audio_seconds / self.seconds if self.seconds else 0.0


Progress = Callable[[Outcome], object]


class Fingerprinter:
    """Fingerprints tracks, detects duplicates and keeps the recording map in memory."""

    def __init__(self, context: SegueContext, config: Config) -> None:
        self.context = context
        self.config = config
        self.store = FingerprintStore(context.data_dir / Path(config.path).expanduser())
        self.limiter = anyio.CapacityLimiter(config.worker_count())
        self.settings = MatchSettings(
            threshold=config.similarity_threshold,
            max_offset_seconds=config.max_offset_seconds,
            min_overlap_seconds=config.min_overlap_seconds,
            max_duration_difference=config.max_duration_difference,
        )
        self.recordings = RecordingMap()
        self.acoustid = (
            AcoustIDClient(config) if config.acoustid_lookup and config.acoustid_api_key else None
        )
        self._detection_wanted = anyio.Event()
        self._detector_started = False
        self._detect_lock = anyio.Lock()
        self._fpcalc_found = False

    async def open(self) -> None:
        await self.store.open()
        await self.reload()

    async def close(self) -> None:
        await self.store.close()

    async def reload(self) -> None:
        """Refresh the in-memory recording map from the database."""
        rows = await self.store.groups()
        facts = await self.store.facts([row.track_id for row in rows])
        self.recordings = RecordingMap.build(
            rows, await self.store.preferred(), facts, await self.store.acoustid_matches()
        )

    # --- fingerprinting ---------------------------------------------------------
    async def fingerprint_track(self, track: Track) -> Outcome:
        """Run fpcalc on the track's file and store the fingerprint or the failure."""
        path = Path(track.root) / track.relpath
        async with self.limiter:
            result = await run_fpcalc(
                path, program=self.config.fpcalc, max_seconds=self.config.max_seconds
            )
        if isinstance(result, FingerprintFailed):
            log.warning("cannot fingerprint", path=str(path), reason=result.reason)
            await self.store.save_failure(track, result.reason)
            return Outcome(track.id, None, result.reason)
        await self.store.save(track, result)
        if self.acoustid is not None:
            await self._look_up(track, path)
        return Outcome(track.id, result.duration)

    async def fingerprint_tracks(
        self, tracks: Sequence[Track], progress: Progress | None = None
    ) -> RunSummary:
        """Fingerprint ``tracks`` in parallel (at most ``workers`` fpcalc at once)."""
        started = time.perf_counter()
        outcomes: list[Outcome] = []

        queue = iter(tracks)

        async def worker() -> None:
            # A few workers pull from one queue: no task per track for big libraries.
            for track in queue:
                outcome = await self.fingerprint_track(track)
                outcomes.append(outcome)
                if progress is not None:
                    progress(outcome)

        if tracks:
            await self.check_fpcalc()
        try:
            async with anyio.create_task_group() as tg:
                for _ in range(min(len(tracks), self.config.worker_count())):
                    tg.start_soon(worker)
        except* FpcalcMissing as group:  # fpcalc vanished meanwhile: one clear error
            raise group.exceptions[0] from None
        return RunSummary(
            fingerprinted=sum(o.error is None for o in outcomes),
            failed=sum(o.error is not None for o in outcomes),
            audio_seconds=sum(o.duration or 0.0 for o in outcomes),
            seconds=time.perf_counter() - started,
        )

    async def check_fpcalc(self) -> None:
        """Raise :class:`FpcalcMissing` (naming the Debian package) if fpcalc cannot be found."""
        if not self._fpcalc_found:
            found = await anyio.to_thread.run_sync(shutil.which, self.config.fpcalc)
            if found is None:
                raise FpcalcMissing(fpcalc_missing_message(self.config.fpcalc))
            self._fpcalc_found = True

    async def stale(self, tracks: Sequence[Track]) -> list[Track]:
        """The tracks whose current file has neither a fingerprint nor a recorded failure."""
        fresh = await self.store.up_to_date(tracks)
        return [track for track in tracks if track.id not in fresh and not track.missing]

    async def _look_up(self, track: Track, path: Path) -> None:
        assert self.acoustid is not None
        async with self.limiter:
            compressed = await run_fpcalc_compressed(
                path, program=self.config.fpcalc, max_seconds=self.config.max_seconds
            )
        if isinstance(compressed, FingerprintFailed):
            return
        match = await self.acoustid.lookup(*compressed)
        if match is not None:
            await self.store.save_acoustid(
                track.id, match.acoustid, match.musicbrainz_recording_id, match.score
            )

    # --- duplicates -------------------------------------------------------------
    async def detect(self) -> list[DuplicateGroup]:
        """Compare every stored fingerprint, store the groups and refresh the map."""
        async with self._detect_lock:
            started = time.perf_counter()
            prints = await self.store.prints()
            groups = await anyio.to_thread.run_sync(find_groups, prints, self.settings)
            facts = await self.store.facts()
            rows = assign_recordings(groups, await self.store.recording_history(), facts)
            await self.store.replace_groups(rows)
            await self.reload()
            log.info(
                "duplicate detection done",
                tracks=len(prints),
                groups=len(groups),
                seconds=round(time.perf_counter() - started, 3),
            )
        return await self.duplicate_groups()

    def request_detection(self) -> None:
        """Detect duplicates soon, in the background (many requests, one run)."""
        self._detection_wanted.set()
        if not self._detector_started:
            self._detector_started = True
            self.context.spawn(self._detect_when_asked, name="duplicate detection")

    async def _detect_when_asked(self) -> None:
        while True:
            await self._detection_wanted.wait()
            await anyio.sleep(DETECT_DEBOUNCE)
            self._detection_wanted = anyio.Event()
            try:
                await self.detect()
            except Exception as exc:
                log.error("duplicate detection failed", error=repr(exc))

    async def duplicate_groups(self) -> list[DuplicateGroup]:
        """The groups of the last detection, with their members' files."""
        recordings = self.recordings
        facts = await self.store.facts(list(recordings.recording_of))
        rows = {row.track_id: row for row in await self.store.groups()}
        groups: list[DuplicateGroup] = []
        for recording_id, track_ids in sorted(recordings.members.items()):
            members = [
                GroupMember(
                    track_id=track_id,
                    root=facts[track_id].root,
                    relpath=facts[track_id].relpath,
                    path=str(Path(facts[track_id].root) / facts[track_id].relpath),
                    codec=facts[track_id].codec,
                    bitrate=facts[track_id].bitrate,
                    duration=facts[track_id].duration,
                    similarity=rows[track_id].similarity,
                )
                for track_id in track_ids
                if track_id in facts and track_id in rows
            ]
            if len(members) < 2:
                continue
            groups.append(
                DuplicateGroup(
                    id=recording_id,
                    recording_id=recording_id,
                    similarity=rows[members[0].track_id].group_similarity,
                    preferred_track_id=recordings.preferred[recording_id],
                    members=sorted(members, key=lambda m: (m.root, m.relpath)),
                )
            )
        return groups

    async def prefer(self, group_id: str, track_id: str) -> DuplicateGroup:
        """Make ``track_id`` the file that stands for group ``group_id``."""
        members = self.recordings.members.get(group_id)
        if members is None:
            raise NotFound(f"no duplicate group {group_id!r} (see GET /api/v1/admin/duplicates)")
        if track_id not in members:
            raise InvalidInput(
                f"track {track_id!r} is not in duplicate group {group_id!r}; "
                f"choose one of {sorted(members)}"
            )
        await self.store.set_preferred(group_id, track_id)
        await self.reload()
        return next(g for g in await self.duplicate_groups() if g.id == group_id)

    async def prefer_track(self, track_id: str) -> DuplicateGroup:
        """Make ``track_id`` the preferred file of whichever group it belongs to."""
        group_id = self.recordings.recording_of.get(track_id)
        if group_id is None:
            raise NotFound(f"track {track_id!r} is in no duplicate group")
        return await self.prefer(group_id, track_id)


# One Fingerprinter per running Segue.
_running: WeakKeyDictionary[SegueContext, Fingerprinter] = WeakKeyDictionary()


async def open_fingerprinter(context: SegueContext) -> Fingerprinter:
    """Open (once) and return the context's Fingerprinter."""
    found = _running.get(context)
    if found is None:
        found = Fingerprinter(context, plugin_config(context))
        _running[context] = found
        try:
            await found.open()
        except BaseException:
            del _running[context]
            raise
    return found


def running_fingerprinter(context: SegueContext) -> Fingerprinter | None:
    """The context's Fingerprinter if it is open (for synchronous hooks)."""
    return _running.get(context)


def require_fingerprinter(context: SegueContext) -> Fingerprinter:
    found = _running.get(context)
    if found is None:
        raise RuntimeError("the fingerprint-chromaprint plugin has not started")
    return found


async def close_fingerprinter(context: SegueContext) -> None:
    found = _running.pop(context, None)
    if found is not None:
        await found.close()
