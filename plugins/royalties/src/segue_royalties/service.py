"""The plugin's running state per Segue process: its store, and the counting consumer."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import anyio
import msgspec

from segue.errors import InvalidInput
from segue.models import PlaybackEvent
from segue.slots.events import Delivery

from .config import PLUGIN_NAME, Config, Holder
from .counting import Outcome, TrackInfo
from .payouts import PayoutReport, parse_pool, split_pool
from .store import RoyaltyStore

if TYPE_CHECKING:
    from segue.context import SegueContext

TRACK_CACHE_SIZE = 100_000

_stores: WeakKeyDictionary[SegueContext, RoyaltyStore] = WeakKeyDictionary()
_tracks: WeakKeyDictionary[SegueContext, dict[str, TrackInfo]] = WeakKeyDictionary()
_opening: WeakKeyDictionary[SegueContext, anyio.Lock] = WeakKeyDictionary()


def config_of(context: SegueContext) -> Config:
    return context.plugin_config(PLUGIN_NAME, Config)


def store_path(context: SegueContext, config: Config) -> Path:
    """The store's file: ``path`` resolved against the data dir (an absolute path stays)."""
    return context.data_dir / Path(config.path).expanduser()


async def store_for(context: SegueContext) -> RoyaltyStore:
    """The context's counting store, opened on first use (closed at shutdown)."""
    store = _stores.get(context)
    if store is not None:
        return store
    async with _opening.setdefault(context, anyio.Lock()):
        store = _stores.get(context)
        if store is None:
            config = config_of(context)
            store = RoyaltyStore(store_path(context, config), config)
            await store.open()
            _stores[context] = store
    return store


async def close_store(context: SegueContext) -> None:
    store = _stores.pop(context, None)
    _tracks.pop(context, None)
    if store is not None:
        await store.close()


async def track_infos(context: SegueContext, track_ids: set[str]) -> dict[str, TrackInfo]:
    """Rights holders of the tracks, from a cache filled from the catalog."""
    cache = _tracks.setdefault(context, {})
    missing = [t for t in track_ids if t not in cache]
    if missing:
        if len(cache) + len(missing) > TRACK_CACHE_SIZE:
            cache.clear()
        for track in await context.catalog.get_tracks(missing):
            cache[track.id] = TrackInfo(
                track_id=track.id,
                title=track.title,
                artist_id=track.artist_id,
                artist_name=track.artist_name,
                album_id=track.album_id,
                album_title=track.album,
                label=track.label,
            )
    return {t: cache[t] for t in track_ids if t in cache}


def recording_ids(context: SegueContext, track_ids: Sequence[str]) -> dict[str, str]:
    """Track id -> recording id, merged from every ``extra_recording_ids`` answer.

    Not cached: grouping changes as files are fingerprinted, and the hook
    answers from memory.
    """
    merged: dict[str, str] = {}
    # collect() answers last registered first; the first registered wins a conflict.
    for _plugin, answer in reversed(context.collect("extra_recording_ids", track_ids=track_ids)):
        if isinstance(answer, Mapping):
            merged.update(answer)
    return merged


async def count_events(context: SegueContext, events: Sequence[PlaybackEvent]) -> list[Outcome]:
    """Count playback events (idempotent: an event counted before changes nothing).

    Each newly counted stream adds a play to the catalog's count of the track
    that was played. That happens after the counting transaction committed,
    for the streams this call counted (``replayed`` outcomes are skipped): a
    replay never adds again, and a crash between the two loses at most this
    batch's play count increments, never counts one twice.
    """
    store = await store_for(context)
    track_ids = sorted({e.track_id for e in events})
    tracks = await track_infos(context, set(track_ids))
    outcomes = await store.count(events, tracks, recording_ids(context, track_ids))
    await add_play_counts(context, events, outcomes)
    return outcomes


async def add_play_counts(
    context: SegueContext, events: Sequence[PlaybackEvent], outcomes: Sequence[Outcome]
) -> None:
    """Add one play to the played track for each stream counted just now."""
    played: dict[str, str] = {}
    for event in events:
        played.setdefault(event.id, event.track_id)  # one id twice in a batch is one event
    plays = Counter(
        played[o.event_id] for o in outcomes if o.verdict == "counted" and not o.replayed
    )
    if plays:
        await context.catalog.add_play_counts(dict(plays))


async def handle_batch(context: SegueContext, deliveries: Sequence[Delivery]) -> None:
    """The counting consumer: one transaction per claimed batch."""
    events = [msgspec.convert(d.payload, PlaybackEvent) for d in deliveries]
    await count_events(context, events)


async def handle_one(context: SegueContext, delivery: Delivery) -> None:
    await handle_batch(context, [delivery])


def parse_day(name: str, text: str) -> str:
    """A YYYY-MM-DD day, or InvalidInput naming the parameter."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidInput(f"{name}: '{text}' is not a day; write YYYY-MM-DD") from None


def parse_period(start: str, end: str) -> tuple[str, str]:
    first, last = parse_day("from", start), parse_day("to", end)
    if first > last:
        raise InvalidInput(f"from: {first} is after to: {last}")
    return first, last


async def payout_report(
    context: SegueContext,
    *,
    start: str,
    end: str,
    pool: str,
    currency: str | None = None,
    min_streams: int = 0,
    by: Holder | None = None,
) -> PayoutReport:
    """Split ``pool`` over the streams counted from ``start`` to ``end`` (days, UTC, included)."""
    config = config_of(context)
    currency = (currency or config.currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput(f"currency: '{currency}' is not an ISO 4217 code such as EUR or USD")
    if min_streams < 0:
        raise InvalidInput(f"min_streams: must be 0 or more, not {min_streams}")
    first, last = parse_period(start, end)
    amount = parse_pool(pool, currency)
    store = await store_for(context)
    holdings = await store.holdings(first, last, by or config.holder)
    total, rows = split_pool(amount, currency, holdings, min_streams=min_streams)
    return PayoutReport(
        from_=first, to=last, pool=str(amount), currency=currency, total_streams=total, rows=rows
    )
