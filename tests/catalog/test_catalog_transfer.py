"""CatalogTransfer: a whole catalog copied between the sqlite and mongodb backends, once."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from segue.models import Credential, ListQuery, ScanChanges, ScannedTrack, ScanProblem, ScanReport
from segue.slots.catalog import CatalogBackend
from segue.social.models import PrivacySettings
from segue_catalog_mongodb.migrate import copy_catalog

if TYPE_CHECKING:
    from conftest import OpenCatalog  # type: ignore[import-not-found]

pytestmark = pytest.mark.anyio

ROOT = "/music"


def scanned(relpath: str, **tags: object) -> ScannedTrack:
    return ScannedTrack(
        root=ROOT,
        relpath=relpath,
        size=1000,
        mtime_ns=1,
        content_key=f"k:{relpath}",
        codec="flac",
        duration_ms=1000,
        title=relpath,
        **tags,  # type: ignore[arg-type]
    )


async def fill(catalog: CatalogBackend) -> dict[str, str]:
    """A bit of everything a catalog stores."""
    applied = await catalog.apply_scan(
        ScanChanges(
            root=ROOT,
            added=[
                scanned("a/1.flac", album="LP", artists=["Ann"], genres=["Rock"]),
                scanned("a/2.flac", album="LP", artists=["Ann"], has_embedded_cover=True),
                scanned("b/1.flac", artists=["Bob"]),
            ],
        )
    )
    one, two, gone = applied.added
    await catalog.add_play_counts({one.id: 5, two.id: 1})
    await catalog.apply_scan(ScanChanges(root=ROOT, removed=[gone.id]))
    alice = await catalog.create_user("Alice", "hash-a", is_admin=True)
    bob = await catalog.create_user("bob", "hash-b", is_admin=False)
    carol = await catalog.create_user("carol", "hash-c", is_admin=False)
    now = time.time()
    await catalog.add_credential(
        Credential(
            id="cr1",
            user_id=alice.id,
            kind="api_key",
            name="sync",
            token_hash="th1",
            created_at=now,
        )
    )
    request = await catalog.create_friend_request(alice.id, bob.id)
    await catalog.accept_friend_request(request.id, bob.id)
    await catalog.create_friend_request(carol.id, alice.id)
    await catalog.block_user(bob.id, carol.id)
    await catalog.set_privacy(bob.id, PrivacySettings(publish_activity=False))
    await catalog.set_user_secret(alice.id, "subsonic.password", "sealed")
    await catalog.replace_problems(
        ROOT, [ScanProblem(root=ROOT, relpath="x.mp3", reason="not audio", seen_at=now)]
    )
    await catalog.save_scan_report(ScanReport(started_at=now, state="finished", added=3))
    return {"alice": alice.id, "bob": bob.id, "carol": carol.id, "one": one.id, "gone": gone.id}


async def snapshot(catalog: CatalogBackend, ids: dict[str, str]) -> dict[str, object]:
    """Everything a reader sees, through the CatalogBackend protocol only."""
    everything = ListQuery(limit=100)
    return {
        "tracks": await catalog.get_tracks([ids["one"], ids["gone"]]),
        "listed": (await catalog.list_tracks(everything)).items,
        "albums": (await catalog.list_albums(everything)).items,
        "artists": (await catalog.list_artists(everything)).items,
        "genres": await catalog.list_genres(),
        "users": await catalog.list_users(),
        "hashes": [await catalog.get_password_hash(ids[n]) for n in ("alice", "bob", "carol")],
        "credential": await catalog.find_credential("th1"),
        "friends": [await catalog.list_friends(ids[n]) for n in ("alice", "bob")],
        "requests": await catalog.list_friend_requests(ids["alice"]),
        "blocks": await catalog.list_blocks(ids["bob"]),
        "privacy": await catalog.get_privacy(ids["bob"]),
        "secret": await catalog.get_user_secret(ids["alice"], "subsonic.password"),
        "problems": await catalog.list_problems(),
        "report": await catalog.last_scan_report(),
        "states": await catalog.file_states(ROOT),
    }


@pytest.mark.parametrize(("source", "target"), [("sqlite", "mongodb"), ("mongodb", "sqlite")])
async def test_copy_keeps_everything_and_runs_once(
    open_catalog: OpenCatalog, source: str, target: str
) -> None:
    origin, copy = await open_catalog(source), await open_catalog(target)
    ids = await fill(origin)

    stored, seen = await copy_catalog(origin, copy, source, target)
    assert (stored.users, stored.tracks, stored.credentials) == (3, 3, 1)
    assert (stored.friend_requests, stored.blocks, stored.privacy, stored.secrets) == (1, 1, 1, 1)
    assert (seen.users, seen.tracks) == (3, 3)
    assert await snapshot(copy, ids) == await snapshot(origin, ids)

    again, _ = await copy_catalog(origin, copy, source, target)
    assert again.users == again.tracks == again.credentials == again.secrets == 0
    assert await snapshot(copy, ids) == await snapshot(origin, ids)


async def test_copy_refuses_a_taken_user_name(open_catalog: OpenCatalog) -> None:
    from segue.errors import Conflict

    origin, copy = await open_catalog("sqlite"), await open_catalog("mongodb")
    await origin.create_user("alice", "h", is_admin=False)
    await copy.create_user("ALICE", "other", is_admin=True)
    with pytest.raises(Conflict, match="already has a user named 'ALICE'"):
        await copy_catalog(origin, copy, "sqlite", "mongodb")
