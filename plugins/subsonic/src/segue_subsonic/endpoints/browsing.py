"""Browsing: music folders, indexes, directories, artists, albums, songs, genres."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from segue.models import Album, Artist, ListQuery, Page, Track
from segue_subsonic.call import Call, endpoint
from segue_subsonic.envelope import Payload, not_found
from segue_subsonic.shapes import album, album_dir, artist, index_letter, notes_for, song

T = TypeVar("T")
PAGE = 500
IGNORED_ARTICLES = ("the", "el", "la", "los", "las", "le", "les")
MUSIC_FOLDER_ID = 1
"""Segue serves one catalog over all its library paths: one music folder."""


async def every(fetch: Callable[[ListQuery], Awaitable[Page[T]]], **filters: object) -> list[T]:
    """Every item of a catalog listing, read page by page."""
    items: list[T] = []
    while True:
        page = await fetch(ListQuery(offset=len(items), limit=PAGE, **filters))  # type: ignore[arg-type]
        items += page.items
        if not page.items or len(items) >= page.total:
            return items


def check_folder(call: Call) -> None:
    folder = call.params.integer("musicFolderId")
    if folder is not None and folder != MUSIC_FOLDER_ID:
        raise not_found(f"no music folder with id {folder} (this server has folder 1)")


async def album_tracks(call: Call, album_id: str) -> list[Track]:
    return await every(call.context.catalog.list_tracks, album_id=album_id, sort="name")


async def get_album_or_70(call: Call, album_id: str) -> Album:
    found = await call.context.catalog.get_album(album_id)
    if found is None:
        raise not_found(f"no album with id {album_id!r}")
    return found


async def get_artist_or_70(call: Call, artist_id: str) -> Artist:
    found = await call.context.catalog.get_artist(artist_id)
    if found is None:
        raise not_found(f"no artist with id {artist_id!r}")
    return found


@endpoint("getMusicFolders")
async def get_music_folders(call: Call) -> Payload:
    return {"musicFolders": {"musicFolder": [{"id": MUSIC_FOLDER_ID, "name": "Music"}]}}


async def _indexed_artists(call: Call) -> list[Payload]:
    notes = await notes_for(call)
    groups: dict[str, list[Payload]] = {}
    for item in await every(call.context.catalog.list_artists, sort="name"):
        groups.setdefault(index_letter(item.name, IGNORED_ARTICLES), []).append(artist(item, notes))
    return [{"name": letter, "artist": groups[letter]} for letter in sorted(groups)]


@endpoint("getIndexes")
async def get_indexes(call: Call) -> Payload:
    check_folder(call)
    report = await call.context.catalog.last_scan_report()
    last = report.finished_at or report.started_at if report else 0.0
    return {
        "indexes": {
            "lastModified": int(last * 1000),
            "ignoredArticles": " ".join(a.capitalize() for a in IGNORED_ARTICLES),
            "index": await _indexed_artists(call),
        }
    }


@endpoint("getArtists")
async def get_artists(call: Call) -> Payload:
    check_folder(call)
    return {
        "artists": {
            "ignoredArticles": " ".join(a.capitalize() for a in IGNORED_ARTICLES),
            "index": await _indexed_artists(call),
        }
    }


@endpoint("getMusicDirectory")
async def get_music_directory(call: Call) -> Payload:
    item_id = call.params.require("id")
    notes = await notes_for(call)
    catalog = call.context.catalog
    if item_id.startswith("ar") and (found := await catalog.get_artist(item_id)) is not None:
        albums = await every(catalog.list_albums, artist_id=item_id, sort="year")
        return {
            "directory": {
                "id": found.id,
                "name": found.name,
                "child": [album_dir(a, notes) for a in albums],
            }
        }
    if (found_album := await catalog.get_album(item_id)) is not None:
        tracks = await album_tracks(call, item_id)
        return {
            "directory": {
                "id": found_album.id,
                "parent": found_album.artist_id,
                "name": found_album.title,
                "child": [song(t, notes) for t in tracks],
            }
        }
    raise not_found(f"no artist or album (directory) with id {item_id!r}")


@endpoint("getArtist")
async def get_artist(call: Call) -> Payload:
    found = await get_artist_or_70(call, call.params.require("id"))
    notes = await notes_for(call)
    albums = await every(call.context.catalog.list_albums, artist_id=found.id, sort="year")
    return {"artist": {**artist(found, notes), "album": [album(a, notes) for a in albums]}}


@endpoint("getAlbum")
async def get_album(call: Call) -> Payload:
    found = await get_album_or_70(call, call.params.require("id"))
    notes = await notes_for(call)
    tracks = await album_tracks(call, found.id)
    plays = sum(t.play_count for t in tracks)
    return {
        "album": {
            **album(found, notes, play_count=plays),
            "song": [song(t, notes) for t in tracks],
        }
    }


@endpoint("getSong")
async def get_song(call: Call) -> Payload:
    track_id = call.params.require("id")
    track = await call.context.catalog.get_track(track_id)
    if track is None or track.missing:
        raise not_found(f"no song with id {track_id!r}")
    return {"song": song(track, await notes_for(call))}


@endpoint("getGenres")
async def get_genres(call: Call) -> Payload:
    genres = await call.context.catalog.list_genres()
    return {
        "genres": {
            "genre": [
                {"songCount": g.track_count, "albumCount": g.album_count, "value": g.name}
                for g in genres
            ]
        }
    }


@endpoint("getArtistInfo2")
async def get_artist_info2(call: Call) -> Payload:
    found = await get_artist_or_70(call, call.params.require("id"))
    node: Payload = {"musicBrainzId": found.musicbrainz_id} if found.musicbrainz_id else {}
    return {"artistInfo2": node}


@endpoint("getAlbumInfo2")
async def get_album_info2(call: Call) -> Payload:
    found = await get_album_or_70(call, call.params.require("id"))
    node: Payload = {"musicBrainzId": found.musicbrainz_id} if found.musicbrainz_id else {}
    return {"albumInfo": node}
