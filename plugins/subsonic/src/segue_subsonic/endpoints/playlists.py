"""Playlists: list, read, create (or replace), update, delete.

The access rules and live diffs are the core's (``segue.playlists.service``):
a Subsonic edit is pushed to Segue's own apps like any other.
"""

from __future__ import annotations

from segue.models import Track, User
from segue.playlists import service
from segue.playlists.models import MAX_ENTRIES, EditOp, InsertOp, MetadataUpdate, Playlist, RemoveOp
from segue_subsonic.call import Call, endpoint
from segue_subsonic.envelope import ErrorCode, Payload, SubsonicError, bad_value, missing
from segue_subsonic.shapes import notes_for, playlist, song


async def _entries(call: Call, playlist_id: str) -> list[tuple[str, str]]:
    """(entry id, track id) of every live entry, in order."""
    page = await service.backend(call.context).list_entries(playlist_id, 0, MAX_ENTRIES)
    return [(e.id, e.track_id) for e in page.items]


async def _owner_names(call: Call, playlists: list[Playlist]) -> dict[str, str]:
    names: dict[str, str] = {}
    for owner_id in {p.owner_id for p in playlists}:
        user = await call.context.catalog.get_user(owner_id)
        names[owner_id] = user.name if user else owner_id
    return names


async def _shape(call: Call, item: Playlist, owner: str, *, with_songs: bool) -> Payload:
    entries = await _entries(call, item.id)
    found = {t.id: t for t in await call.context.catalog.get_tracks([t for _, t in entries])}
    tracks: list[Track] = [found[t] for _, t in entries if t in found]
    node = playlist(
        item,
        owner,
        tracks,
        song_count=len(tracks),
        duration_s=round(sum(t.duration_ms for t in tracks) / 1000),
    )
    if with_songs:
        notes = await notes_for(call)
        node["entry"] = [song(t, notes) for t in tracks]
    return node


@endpoint("getPlaylists")
async def get_playlists(call: Call) -> Payload:
    user: User = call.user
    name = call.params.get("username")
    if name and name.casefold() != user.name.casefold():
        call.require_admin()
        other = await call.context.catalog.get_user_by_name(name)
        if other is None:
            raise SubsonicError(ErrorCode.NOT_FOUND, f"no user named {name!r}")
        user = other
    playlists = await service.backend(call.context).list_playlists(user.id)
    owners = await _owner_names(call, playlists)
    shaped = [await _shape(call, p, owners[p.owner_id], with_songs=False) for p in playlists]
    return {"playlists": {"playlist": shaped}}


@endpoint("getPlaylist")
async def get_playlist(call: Call) -> Payload:
    item = await service.readable(call.context, call.params.require("id"), call.user)
    owners = await _owner_names(call, [item])
    return {"playlist": await _shape(call, item, owners[item.owner_id], with_songs=True)}


async def _apply(call: Call, item: Playlist, ops: list[EditOp]) -> None:
    """Edit entries through the core's rules, publishing the diff to Segue's apps."""
    inserted = [t for op in ops if isinstance(op, InsertOp) for t in op.track_ids]
    if inserted:
        await service.check_tracks(call.context, inserted)
    with service.http_errors():
        result = await service.backend(call.context).edit_entries(item.id, call.user.id, ops)
    message = {"type": service.DIFF, "by": call.user.id}
    message.update({f: getattr(result, f) for f in result.__struct_fields__})
    await service.publish(call.context, item, message)


@endpoint("createPlaylist")
async def create_playlist(call: Call) -> Payload:
    params = call.params
    song_ids = params.all("songId")
    playlist_id = params.get("playlistId")
    if playlist_id:
        # Subsonic's "create" with playlistId replaces that playlist's songs.
        item = await service.editable(call.context, playlist_id, call.user)
        current = await _entries(call, item.id)
        ops: list[EditOp] = []
        if current:
            ops.append(RemoveOp(entry_ids=[e for e, _ in current]))
        if song_ids:
            ops.append(InsertOp(track_ids=song_ids))
        if ops:
            await _apply(call, item, ops)
        name = params.get("name")
        if name:
            await _update_metadata(call, item, MetadataUpdate(name=service.check_name(name)))
    else:
        name = params.get("name")
        if not name:
            raise missing("name (or playlistId)")
        service.check_name(name)
        if song_ids:
            await service.check_tracks(call.context, song_ids)
        item = await service.backend(call.context).create_playlist(call.user.id, name)
        if song_ids:
            await _apply(call, item, [InsertOp(track_ids=song_ids)])
    item = await service.readable(call.context, item.id, call.user)
    return {"playlist": await _shape(call, item, call.user.name, with_songs=True)}


async def _update_metadata(call: Call, item: Playlist, update: MetadataUpdate) -> Playlist:
    with service.http_errors():
        updated = await service.backend(call.context).update_playlist(item.id, update)
    await service.publish(
        call.context, updated, {"type": service.UPDATED, "playlist": {"id": item.id}}
    )
    return updated


@endpoint("updatePlaylist")
async def update_playlist(call: Call) -> Payload:
    params = call.params
    item = await service.readable(call.context, params.require("playlistId"), call.user)
    name, comment = params.get("name"), params.get("comment")
    public = params.boolean("public", item.public) if "public" in params else None
    if name is not None or comment is not None or public is not None:
        await service.owned(call.context, item.id, call.user)
        update = MetadataUpdate(
            name=service.check_name(name) if name is not None else None,
            description=comment,
            public=public,
        )
        item = await _update_metadata(call, item, update)
    adds = params.all("songIdToAdd")
    removes = params.all("songIndexToRemove")
    if adds or removes:
        item = await service.editable(call.context, item.id, call.user)
        entries = await _entries(call, item.id)
        ops: list[EditOp] = []
        if removes:
            doomed = []
            for raw in removes:
                try:
                    index = int(raw)
                except ValueError:
                    raise bad_value("songIndexToRemove", raw, "a song index (0-based)") from None
                if not 0 <= index < len(entries):
                    raise bad_value(
                        "songIndexToRemove", raw, f"an index from 0 to {len(entries) - 1}"
                    )
                doomed.append(entries[index][0])
            ops.append(RemoveOp(entry_ids=list(dict.fromkeys(doomed))))
        if adds:
            ops.append(InsertOp(track_ids=adds))
        await _apply(call, item, ops)
    return {}


@endpoint("deletePlaylist")
async def delete_playlist(call: Call) -> Payload:
    playlist_id = call.params.require("id")
    item = await service.owned(call.context, playlist_id, call.user)
    told = await service.recipients(call.context, item)
    await service.backend(call.context).delete_playlist(playlist_id)
    await service.publish(
        call.context, item, {"type": service.DELETED, "playlist_id": playlist_id}, told
    )
    return {}
