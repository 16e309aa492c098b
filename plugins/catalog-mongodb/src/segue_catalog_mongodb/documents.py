"""Mapping between the catalog's msgspec Structs and MongoDB documents.

A track document holds the scanned facts, what ``segue.catalog.identity``
derives from them, folded sort keys and a few precomputed sort helpers
(``*_null`` flags, ``disc_sort``): listings then sort with a plain ``find``
instead of expressions, which FerretDB does not evaluate.
"""

from __future__ import annotations

from typing import Any

import msgspec

from segue.catalog import identity
from segue.catalog.identity import genre_pairs, sort_key
from segue.models import Album, Artist, Credential, ScannedTrack, Track, User

Document = dict[str, Any]

FACT_FIELDS: tuple[str, ...] = tuple(f.name for f in msgspec.structs.fields(ScannedTrack))
TRACK_FIELDS: tuple[str, ...] = tuple(f.name for f in msgspec.structs.fields(Track))
_TRACK_ONLY = tuple(name for name in TRACK_FIELDS if name not in FACT_FIELDS and name != "id")


def derived_fields(facts: ScannedTrack) -> Document:
    """The identity, sort and filter fields computed from a track's facts."""
    derived: Document = identity.grouping(facts)._asdict()
    derived["album_key_null"] = derived["album_key"] is None
    pairs = genre_pairs(facts.genres)
    derived.update(
        title_key=sort_key(facts.title),
        genre_keys=[key for key, _ in pairs],
        genre_names=[name for _, name in pairs],
        disc_sort=facts.disc_number if facts.disc_number is not None else 1,
        track_number_null=facts.track_number is None,
        year_null=facts.year is None,
        has_cover=facts.has_embedded_cover or facts.folder_cover is not None,
    )
    return derived


def fact_fields(facts: ScannedTrack) -> Document:
    """The scanned facts as document fields (every ScannedTrack field)."""
    return {name: getattr(facts, name) for name in FACT_FIELDS}


def track_document(track: Track) -> Document:
    """A whole track document (facts, derived fields, the catalog's own state)."""
    doc: Document = {"_id": track.id, **fact_fields(track), **derived_fields(track)}
    for name in _TRACK_ONLY:
        doc[name] = getattr(track, name)
    # The stored artist/album come from identity, like catalog-sqlite: they match the facts.
    return doc


def make_track(
    facts: ScannedTrack,
    derived: Document,
    *,
    track_id: str,
    play_count: int,
    added_at: float,
    updated_at: float,
) -> Track:
    """The stored Track for ``facts``, without reading it back."""
    return Track(
        **msgspec.structs.asdict(facts),
        id=track_id,
        artist_id=derived["artist_id"],
        artist_name=derived["artist_name"],
        album_id=derived["album_id"],
        play_count=play_count,
        added_at=added_at,
        updated_at=updated_at,
        missing=False,
    )


TRACK_PROJECTION: Document = {name: 1 for name in TRACK_FIELDS if name != "id"}


def track_from_document(doc: Document) -> Track:
    fields: Document = {name: doc.get(name) for name in TRACK_FIELDS if name != "id"}
    fields["artists"] = list(doc.get("artists") or [])
    fields["genres"] = list(doc.get("genres") or [])
    return Track(id=doc["_id"], **fields)


ALBUM_FIELDS: tuple[str, ...] = tuple(f.name for f in msgspec.structs.fields(Album))
ALBUM_PROJECTION: Document = {name: 1 for name in ALBUM_FIELDS if name != "id"}


def album_from_document(doc: Document) -> Album:
    fields = {name: doc[name] for name in ALBUM_FIELDS if name != "id" and name in doc}
    return Album(id=doc["_id"], **fields)


ARTIST_FIELDS: tuple[str, ...] = tuple(f.name for f in msgspec.structs.fields(Artist))
ARTIST_PROJECTION: Document = {name: 1 for name in ARTIST_FIELDS if name != "id"}


def artist_from_document(doc: Document) -> Artist:
    fields = {name: doc[name] for name in ARTIST_FIELDS if name != "id" and name in doc}
    return Artist(id=doc["_id"], **fields)


USER_PROJECTION: Document = {"name": 1, "is_admin": 1, "created_at": 1}


def user_from_document(doc: Document) -> User:
    return User(
        id=doc["_id"],
        name=doc["name"],
        is_admin=bool(doc["is_admin"]),
        created_at=doc["created_at"],
    )


def credential_document(credential: Credential) -> Document:
    doc = msgspec.structs.asdict(credential)
    doc["_id"] = doc.pop("id")
    return doc


def credential_from_document(doc: Document) -> Credential:
    fields = {k: v for k, v in doc.items() if k != "_id"}
    return Credential(id=doc["_id"], **fields)
