"""Stars, ratings, scrobbles and now playing.

Stars are Segue's saved library items (tracks, albums, artists); scrobbles
are playback reports (``submission=true``) or now-playing updates of the
presence feed (``submission=false``); getNowPlaying shows what the friends
feed lets the caller see, plus the caller's own.
"""

from __future__ import annotations

import hashlib
import time

from segue.api.playback import event_id_for
from segue.events.publish import publish_playback
from segue.models import PlaybackEvent
from segue.playlists.models import SavedKind
from segue.playlists.service import backend
from segue.social.activity import activity_service
from segue.social.schemas import PlayerStateReport
from segue_subsonic.call import Call, endpoint
from segue_subsonic.envelope import ErrorCode, Payload, SubsonicError, missing, not_found
from segue_subsonic.sealing import set_rating
from segue_subsonic.shapes import SAVED_LIMIT, album, artist, notes_for, song

MAX_RATING = 5


async def _starrable(call: Call) -> dict[SavedKind, list[str]]:
    params = call.params
    wanted: dict[SavedKind, list[str]] = {"track": [], "album": [], "artist": []}
    for item_id in params.all("id"):
        # Subsonic's plain id may name a song, an album or an artist (folder clients).
        kind: SavedKind = (
            "artist"
            if item_id.startswith("ar")
            else "album"
            if item_id.startswith("al")
            else "track"
        )
        wanted[kind].append(item_id)
    wanted["album"] += params.all("albumId")
    wanted["artist"] += params.all("artistId")
    if not any(wanted.values()):
        raise missing("id, albumId or artistId")
    return wanted


async def _check_exist(call: Call, wanted: dict[SavedKind, list[str]]) -> None:
    catalog = call.context.catalog
    known = {
        "track": {t.id for t in await catalog.get_tracks(wanted["track"])},
        "album": {a.id for a in await catalog.get_albums(wanted["album"])},
        "artist": {a.id for a in await catalog.get_artists(wanted["artist"])},
    }
    for kind, ids in wanted.items():
        unknown = [i for i in ids if i not in known[kind]]
        if unknown:
            raise not_found(f"no {kind} with id {unknown[0]!r}")


@endpoint("star")
async def star(call: Call) -> Payload:
    wanted = await _starrable(call)
    await _check_exist(call, wanted)
    saved = backend(call.context)
    for kind, ids in wanted.items():
        if ids:
            await saved.save_items(call.user.id, kind, ids)
    return {}


@endpoint("unstar")
async def unstar(call: Call) -> Payload:
    wanted = await _starrable(call)
    saved = backend(call.context)
    for kind, ids in wanted.items():
        if ids:
            await saved.remove_items(call.user.id, kind, ids)
    return {}


@endpoint("setRating")
async def set_rating_endpoint(call: Call) -> Payload:
    item_id = call.params.require("id")
    rating = call.params.required_int("rating", low=0, high=MAX_RATING)
    catalog = call.context.catalog
    exists = (
        await catalog.get_track(item_id)
        or await catalog.get_album(item_id)
        or await catalog.get_artist(item_id)
    )
    if exists is None:
        raise not_found(f"no song, album or artist with id {item_id!r}")
    await set_rating(call.context, call.user.id, item_id, rating)
    return {}


async def _starred(call: Call) -> tuple[list[str], list[str], list[str]]:
    saved = backend(call.context)
    ids = []
    for kind in ("artist", "album", "track"):
        page = await saved.list_saved(call.user.id, kind, 0, SAVED_LIMIT)
        ids.append([item.item_id for item in page.items])
    return ids[0], ids[1], ids[2]


@endpoint("getStarred2")
async def get_starred2(call: Call) -> Payload:
    artist_ids, album_ids, track_ids = await _starred(call)
    catalog = call.context.catalog
    notes = await notes_for(call)
    return {
        "starred2": {
            "artist": [artist(a, notes) for a in await catalog.get_artists(artist_ids)],
            "album": [album(a, notes) for a in await catalog.get_albums(album_ids)],
            "song": [song(t, notes) for t in await catalog.get_tracks(track_ids)],
        }
    }


@endpoint("getStarred")
async def get_starred(call: Call) -> Payload:
    from segue_subsonic.shapes import album_dir

    artist_ids, album_ids, track_ids = await _starred(call)
    catalog = call.context.catalog
    notes = await notes_for(call)
    return {
        "starred": {
            "artist": [
                notes.apply(a.id, {"id": a.id, "name": a.name})
                for a in await catalog.get_artists(artist_ids)
            ],
            "album": [album_dir(a, notes) for a in await catalog.get_albums(album_ids)],
            "song": [song(t, notes) for t in await catalog.get_tracks(track_ids)],
        }
    }


@endpoint("scrobble")
async def scrobble(call: Call) -> Payload:
    params = call.params
    ids = params.all("id")
    if not ids:
        raise missing("id")
    times = params.all("time")
    submission = params.boolean("submission", True)
    tracks = {t.id: t for t in await call.context.catalog.get_tracks(ids)}
    for track_id in ids:
        if track_id not in tracks:
            raise not_found(f"no song with id {track_id!r}")
    device = f"subsonic:{call.client}"
    if not submission:
        # Without a presence slot there is no feed to update: nothing to do.
        if call.context.presence is not None:
            report = PlayerStateReport(track_id=ids[-1], device_id=device, context="subsonic")
            await activity_service(call.context).report_state(call.user.id, report)
        return {}
    for i, track_id in enumerate(ids):
        played_at = _played_at(times[i]) if i < len(times) else time.time()
        track = tracks[track_id]
        # The same scrobble sent again (clients retry) is one event.
        key = hashlib.sha256(f"{track_id}\0{played_at:.0f}\0{call.client}".encode()).hexdigest()
        event = PlaybackEvent(
            id=event_id_for(call.user.id, key),
            user_id=call.user.id,
            track_id=track_id,
            duration_listened_ms=track.duration_ms,
            completed=True,
            device_id=device,
            session_id=f"subsonic:{call.client}:{int(played_at // 3600)}",
            context="subsonic",
            reported_at=played_at,
        )
        await publish_playback(call.context, event)
    return {}


def _played_at(raw: str) -> float:
    try:
        millis = int(raw)
    except ValueError:
        raise SubsonicError(
            ErrorCode.GENERIC,
            f"Parameter time={raw!r} is not valid: expected milliseconds since 1970",
        ) from None
    return millis / 1000


@endpoint("getNowPlaying")
async def get_now_playing(call: Call) -> Payload:
    context = call.context
    presence = context.presence
    if presence is None:
        return {"nowPlaying": {}}
    feed = await activity_service(context).feed(call.user.id, recent=0)
    rows = [
        (e.name, e.user_id, e.now_playing.track.id, e.now_playing.started_at)
        for e in feed.items
        if e.now_playing is not None
    ]
    # The caller always sees their own now playing.
    own = (await presence.read_activity([call.user.id], 0))[0].now_playing
    if own is not None:
        rows.insert(0, (call.user.name, call.user.id, own.track_id, own.started_at))
    tracks = {t.id: t for t in await context.catalog.get_tracks([r[2] for r in rows])}
    notes = await notes_for(call)
    now = time.time()
    entries = []
    for name, user_id, track_id, started_at in rows:
        track = tracks.get(track_id)
        if track is None:
            continue
        entries.append(
            {
                **song(track, notes),
                "username": name,
                "minutesAgo": max(0, int((now - started_at) // 60)),
                "playerId": int(hashlib.sha256(user_id.encode()).hexdigest()[:6], 16),
                "playerName": "segue",
            }
        )
    return {"nowPlaying": {"entry": entries}}
