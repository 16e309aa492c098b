"""The transcoder of one running Segue: its files, its memory, its jobs and live encodes."""

from __future__ import annotations

import subprocess
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
import structlog

from segue.config.loader import resolve_path
from segue.context import SegueContext
from segue.errors import ConfigError
from segue.models import Track
from segue_transcoder.config import Config
from segue_transcoder.encode import Output, SourceError, encode, parse_loudness, single_args
from segue_transcoder.ffmpeg import find_tool
from segue_transcoder.ladder import LadderStep, validate_ladder
from segue_transcoder.live import LiveEncode
from segue_transcoder.loudness import LoudnessIndex
from segue_transcoder.signing import Signer, load_or_create_secret
from segue_transcoder.state import Failure, Measured, TranscoderState
from segue_transcoder.store import RenditionStore, source_key

log = structlog.get_logger("segue.transcoder")

PLUGIN_NAME = "transcoder"
TRACK_TTL = 1.0
TRACK_CACHE = 4096
REFRESH_EVERY = 5.0
"""Seconds between reloads of measurements and failures other processes stored."""

Outcome = Literal["encoded", "measured", "up_to_date", "failed", "failed_before"]

_services: WeakKeyDictionary[SegueContext, Transcoder] = WeakKeyDictionary()


class Busy(Exception):
    """Too many live encodes are running; try again after ``retry_after`` seconds."""

    def __init__(self, running: int, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"{running} live transcodes are running, the most this server allows "
            f"([plugins.transcoder] max_live_transcodes); retry in {retry_after} s, "
            "or ask for format=raw"
        )


@dataclass(frozen=True, slots=True)
class JobResult:
    track_id: str
    outcome: Outcome
    detail: str = ""


def transcoder_of(context: SegueContext) -> Transcoder:
    """The started transcoder of ``context`` (raises if the plugin did not start)."""
    service = _services.get(context)
    if service is None:
        raise RuntimeError("the transcoder plugin has not started in this process")
    return service


class Transcoder:
    """Renditions, loudness and live encodes for one Segue process."""

    def __init__(self, context: SegueContext, config: Config) -> None:
        problems = validate_ladder(config.ladder)
        if problems:
            raise ConfigError([f"[plugins.transcoder] ladder: {p}" for p in problems])
        self.context = context
        self.config = config
        self.root = (
            resolve_path(context.config, config.cache_dir)
            if config.cache_dir
            else context.data_dir / "transcoder"
        )
        self.store = RenditionStore(self.root, int(config.cache_size_mb * 1024 * 1024))
        self.state = TranscoderState(self.root / "transcoder.sqlite3")
        self.index = LoudnessIndex(config.loudness_target_lufs)
        self.failures: dict[str, Failure] = {}
        self.signer = Signer(b"")
        self.live: dict[Path, LiveEncode] = {}
        self.live_running = 0
        self._tracks: dict[str, tuple[float, Track | None]] = {}
        self._unsettled = 0
        self._settled = anyio.Event()
        self._settled.set()

    @property
    def ladder(self) -> list[LadderStep]:
        return self.config.ladder

    @property
    def pre_encode(self) -> bool:
        return "pre_encode" in self.config.modes

    @property
    def on_demand(self) -> bool:
        return "on_demand" in self.config.modes

    # --- life ---------------------------------------------------------------
    async def start(self) -> None:
        await anyio.Path(self.root).mkdir(parents=True, exist_ok=True)
        secret = await anyio.to_thread.run_sync(
            load_or_create_secret, self.config.signing_secret, self.root
        )
        self.signer = Signer(secret)
        await self.state.open()
        await self.refresh()
        await self.store.sweep_temp()
        _services[self.context] = self

    async def close(self) -> None:
        _services.pop(self.context, None)
        await self.state.close()

    async def refresh(self) -> None:
        """Load measurements and failures stored since the last look (by any process)."""
        for measured in await self.state.loudness_since(self.index.newest):
            self.index.add(measured)
        self.failures = await self.state.failures()

    async def refresh_forever(self) -> None:
        while True:
            await anyio.sleep(REFRESH_EVERY)
            try:
                await self.refresh()
            except Exception as exc:  # a busy database now and then is not fatal
                log.warning("reloading loudness measurements failed", error=repr(exc))

    # --- questions ------------------------------------------------------------
    async def track(self, track_id: str) -> Track | None:
        """The catalog's track, remembered for a second (a CDN's burst of range
        requests on a signed URL costs one catalog read)."""
        now = time.monotonic()
        remembered = self._tracks.get(track_id)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        track = await self.context.catalog.get_track(track_id)
        if len(self._tracks) > TRACK_CACHE:
            self._tracks.clear()
        self._tracks[track_id] = (now + TRACK_TTL, track)
        return track

    def failure_for(self, track: Track) -> Failure | None:
        """Why this version of the track's file cannot be transcoded, if it cannot."""
        failure = self.failures.get(track.id)
        if failure is None or failure.source_key != source_key(track):
            return None
        return failure

    def source_path(self, track: Track) -> Path:
        return self.context.storage.resolve(track.root, track.relpath)

    async def missing_steps(self, track: Track) -> list[LadderStep]:
        """Ladder steps with no complete rendition of the current source."""
        return [step for step in self.ladder if await self.store.find(track, step) is None]

    # --- jobs -------------------------------------------------------------------
    async def process(self, track: Track, *, encode_ladder: bool, force: bool = False) -> JobResult:
        """Measure loudness if unknown and, if asked, encode the missing ladder steps
        into the kept tree, all in one ffmpeg process.

        A source ffmpeg cannot read is recorded (shown in track JSON) and
        not tried again until its file changes. Idempotent. ``force`` measures
        and encodes again, failed sources included.
        """
        if not force and (failure := self.failure_for(track)) is not None:
            return JobResult(track.id, "failed_before", failure.reason)
        measure = force or self.index.current(track) is None
        if not encode_ladder:
            steps = []
        elif force:
            steps = list(self.ladder)
        else:
            steps = await self.missing_steps(track)
        if not steps and not measure:
            return JobResult(track.id, "up_to_date")
        outputs = [Output(step, self.store.path(track, step, kept=True)) for step in steps]
        started = time.monotonic()
        try:
            with anyio.fail_after(self.config.job_timeout_seconds):
                measured = await encode(self.source_path(track), outputs, loudness=measure)
        except SourceError as exc:
            reason = str(exc)
            await self.state.record_failure(track.id, source_key(track), reason)
            self.failures = await self.state.failures()
            log.warning("track cannot be transcoded", track_id=track.id, reason=reason)
            return JobResult(track.id, "failed", reason)
        if track.id in self.failures:
            await self.state.clear_failure(track.id)
            self.failures.pop(track.id, None)
        if measured is not None:
            await self.save_loudness(track, measured.integrated_lufs, measured.true_peak_dbfs)
        for step in steps:
            await self.store.forget_older_versions(track, step)
        log.info(
            "track transcoded" if steps else "track measured",
            track_id=track.id,
            renditions=[s.name for s in steps],
            seconds=round(time.monotonic() - started, 3),
        )
        return JobResult(track.id, "encoded" if steps else "measured")

    async def save_loudness(self, track: Track, integrated: float, peak: float) -> None:
        measured = Measured(
            track_id=track.id,
            source_key=source_key(track),
            integrated_lufs=integrated,
            true_peak_dbfs=peak,
            duration_ms=track.duration_ms,
            album_id=track.album_id,
            measured_at=time.time(),
        )
        await self.state.save_loudness(measured)
        self.index.add(measured)

    # --- live encodes -------------------------------------------------------------
    def live_encode(self, track: Track, step: LadderStep) -> LiveEncode:
        """The running encode of this rendition, or a new one (raises :class:`Busy`)."""
        final = self.store.path(track, step, kept=False)
        running = self.live.get(final)
        if running is not None:
            return running
        if self.live_running >= self.config.max_live_transcodes:
            raise Busy(self.live_running, self.config.retry_after_seconds)
        live = LiveEncode(final)
        self.live[final] = live
        self.live_running += 1
        # The first play of a track measures its loudness too, in the same decode.
        measure = self.index.current(track) is None
        args = single_args(self.source_path(track), step, loudness=measure)

        async def run() -> None:
            try:
                with anyio.move_on_after(self.config.job_timeout_seconds):
                    await live.run(args)
                self.live_running -= 1
                self.live.pop(final, None)
                await self._after_live(track, step, live)
            finally:
                if self.live.get(final) is live:  # cancelled before the bookkeeping above
                    self.live_running -= 1
                    self.live.pop(final, None)
                self._unsettled -= 1
                if not self._unsettled:
                    self._settled.set()

        self._unsettled += 1
        if self._settled.is_set():
            self._settled = anyio.Event()
        # Runs in the process's task group: a client hanging up does not stop it.
        self.context.spawn(run, name=f"live transcode {step.name} of {track.id}")
        return live

    def offset_encode(
        self, track: Track, step: LadderStep, offset: float
    ) -> AsyncGenerator[bytes, None]:
        """ffmpeg's output for ``step`` from ``offset`` seconds, as it is made (not cached).

        Takes a live slot (raises :class:`Busy`) until the generator is closed;
        closing it (the client hung up) stops ffmpeg.
        """
        if self.live_running >= self.config.max_live_transcodes:
            raise Busy(self.live_running, self.config.retry_after_seconds)
        self.live_running += 1
        args = single_args(self.source_path(track), step, start_seconds=offset)

        async def run() -> AsyncGenerator[bytes, None]:
            try:
                with anyio.fail_after(self.config.job_timeout_seconds):
                    async with await anyio.open_process(
                        [find_tool("ffmpeg"), *args], stderr=subprocess.DEVNULL
                    ) as process:
                        assert process.stdout is not None
                        async for chunk in process.stdout:
                            yield chunk
            finally:
                self.live_running -= 1

        return run()

    async def _after_live(self, track: Track, step: LadderStep, live: LiveEncode) -> None:
        if live.error is not None:
            log.warning("live transcode failed", track_id=track.id, error=live.error)
            if live.error.startswith("ffmpeg exited"):  # the source, not a timeout
                reason = f"ffmpeg could not transcode {track.relpath}: {live.error}"
                await self.state.record_failure(track.id, source_key(track), reason)
                self.failures = await self.state.failures()
            return
        measured = parse_loudness(live.stderr)
        if measured is not None and self.index.current(track) is None:
            await self.save_loudness(track, measured.integrated_lufs, measured.true_peak_dbfs)
        await self.store.forget_older_versions(track, step)
        await self.store.evict()

    async def settled(self) -> None:
        """Return once no live encode is running or finishing (cache updated, evicted)."""
        await self._settled.wait()
