"""GET/HEAD /api/v1/tracks/{id}/stream: the original file over real HTTP, ranges included."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from segue.models import ListQuery, ScanChanges, ScannedTrack, Track

pytestmark = pytest.mark.anyio

Client = AsyncTestClient[Litestar]


def stream_url(track_id: str) -> str:
    return f"/api/v1/tracks/{track_id}/stream"


@pytest.fixture
async def track(segue_app: Any) -> Track:
    """The largest demo track."""
    context = segue_app.context
    page = await context.catalog.list_tracks(ListQuery(limit=100))
    assert page.items, "the demo catalog has no tracks"
    biggest: Track = max(page.items, key=lambda t: t.size)
    return biggest


def file_bytes(track: Track) -> bytes:
    return (Path(track.root) / track.relpath).read_bytes()


async def test_the_whole_file(client: Client, auth_headers: dict[str, str], track: Track) -> None:
    response = await client.get(stream_url(track.id), headers=auth_headers)

    assert response.status_code == 200
    assert response.content == file_bytes(track)
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith(" GMT")
    assert response.headers["content-type"].startswith("audio/")


async def test_format_raw_is_the_original(
    client: Client, auth_headers: dict[str, str], track: Track
) -> None:
    response = await client.get(
        stream_url(track.id), params={"format": "raw", "quality": "high"}, headers=auth_headers
    )

    assert response.status_code == 200
    assert response.content == file_bytes(track)


async def test_a_range(client: Client, auth_headers: dict[str, str], track: Track) -> None:
    content = file_bytes(track)

    response = await client.get(
        stream_url(track.id), headers={**auth_headers, "Range": "bytes=100-1099"}
    )

    assert response.status_code == 206
    assert response.content == content[100:1100]
    assert response.headers["content-range"] == f"bytes 100-1099/{len(content)}"
    assert response.headers["content-length"] == "1000"


async def test_a_suffix_range(client: Client, auth_headers: dict[str, str], track: Track) -> None:
    content = file_bytes(track)

    response = await client.get(
        stream_url(track.id), headers={**auth_headers, "Range": "bytes=-500"}
    )

    assert response.status_code == 206
    assert response.content == content[-500:]
    size = len(content)
    assert response.headers["content-range"] == f"bytes {size - 500}-{size - 1}/{size}"


async def test_an_open_range(client: Client, auth_headers: dict[str, str], track: Track) -> None:
    content = file_bytes(track)

    response = await client.get(
        stream_url(track.id), headers={**auth_headers, "Range": "bytes=4321-"}
    )

    assert response.status_code == 206
    assert response.content == content[4321:]


async def test_random_ranges(client: Client, auth_headers: dict[str, str], track: Track) -> None:
    content = file_bytes(track)
    rng = random.Random(9)
    for _ in range(25):
        start = rng.randrange(len(content))
        end = rng.randrange(start, len(content))
        response = await client.get(
            stream_url(track.id), headers={**auth_headers, "Range": f"bytes={start}-{end}"}
        )
        assert response.status_code == 206
        assert response.content == content[start : end + 1]


async def test_a_range_past_the_end_is_416(
    client: Client, auth_headers: dict[str, str], track: Track
) -> None:
    size = len(file_bytes(track))

    response = await client.get(
        stream_url(track.id), headers={**auth_headers, "Range": f"bytes={size}-"}
    )

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"
    assert f"{size} bytes" in response.json()["detail"]


async def test_if_range(client: Client, auth_headers: dict[str, str], track: Track) -> None:
    content = file_bytes(track)
    etag = (await client.head(stream_url(track.id), headers=auth_headers)).headers["etag"]

    same = await client.get(
        stream_url(track.id), headers={**auth_headers, "Range": "bytes=0-99", "If-Range": etag}
    )
    changed = await client.get(
        stream_url(track.id),
        headers={**auth_headers, "Range": "bytes=0-99", "If-Range": '"an-older-version"'},
    )

    assert (same.status_code, same.content) == (206, content[:100])
    assert (changed.status_code, changed.content) == (200, content)


async def test_head_sends_headers_only(
    client: Client, auth_headers: dict[str, str], track: Track
) -> None:
    response = await client.head(stream_url(track.id), headers=auth_headers)

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(track.size)
    assert response.headers["accept-ranges"] == "bytes"


async def test_not_modified(client: Client, auth_headers: dict[str, str], track: Track) -> None:
    first = await client.get(stream_url(track.id), headers=auth_headers)

    by_etag = await client.get(
        stream_url(track.id), headers={**auth_headers, "If-None-Match": first.headers["etag"]}
    )
    by_date = await client.get(
        stream_url(track.id),
        headers={**auth_headers, "If-Modified-Since": first.headers["last-modified"]},
    )

    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_etag.headers["etag"] == first.headers["etag"]
    assert by_date.status_code == 304


async def test_authentication_is_required(client: Client, track: Track) -> None:
    assert (await client.get(stream_url(track.id))).status_code == 401
    assert (await client.head(stream_url(track.id))).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await client.get(stream_url(track.id), headers=bad)).status_code == 401


async def test_a_normal_user_may_stream(
    client: Client, user_headers: dict[str, str], track: Track
) -> None:
    response = await client.get(
        stream_url(track.id), headers={**user_headers, "Range": "bytes=0-9"}
    )

    assert response.status_code == 206


async def test_an_unknown_track_is_404(client: Client, auth_headers: dict[str, str]) -> None:
    response = await client.get(stream_url("no-such-track"), headers=auth_headers)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "no-such-track" in response.json()["detail"]


async def test_an_undeclared_format_is_400_naming_those_that_exist(
    client: Client, auth_headers: dict[str, str], track: Track
) -> None:
    response = await client.get(
        stream_url(track.id), params={"format": "flac"}, headers=auth_headers
    )

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "'flac'" in detail and "raw" in detail


async def test_without_the_transcoder_only_raw_exists(make_app: Any, login: Any) -> None:
    async with make_app(extra_config="[plugins.transcoder]\nenabled = false\n") as running:
        token = await login(running.client, "admin", "admin-password-for-tests")
        page = await running.context.catalog.list_tracks(ListQuery(limit=1))
        response = await running.client.get(
            stream_url(page.items[0].id),
            params={"format": "opus"},
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "'opus'" in detail and "transcoder" in detail and "raw" in detail


def scanned(root: str, relpath: str, size: int = 10) -> ScannedTrack:
    return ScannedTrack(
        root=root,
        relpath=relpath,
        size=size,
        mtime_ns=time.time_ns(),
        content_key=f"key-{root}-{relpath}",
        codec="flac",
        duration_ms=1000,
        title=relpath,
    )


async def add_track(segue_app: Any, root: str, relpath: str) -> str:
    context = segue_app.context
    applied = await context.catalog.apply_scan(
        ScanChanges(root=root, added=[scanned(root, relpath)])
    )
    [added] = applied.added
    return str(added.id)


async def test_a_track_whose_file_is_gone_is_404(
    segue_app: Any, client: Client, auth_headers: dict[str, str], demo_library: Path
) -> None:
    track_id = await add_track(segue_app, str(demo_library), "Deleted Artist/gone.flac")

    response = await client.get(stream_url(track_id), headers=auth_headers)

    assert response.status_code == 404
    assert "gone" in response.json()["detail"]


@pytest.mark.parametrize(
    ("root_name", "relpath"),
    [
        ("mine", "../outside/secret.flac"),  # '..' escapes
        ("mine", "{outside}/secret.flac"),  # an absolute relpath
        ("outside", "secret.flac"),  # a root that is not a library root
        ("mine", "escape/secret.flac"),  # a symlink out of the library
        ("mine", "linked.flac"),  # a symlinked file out of the library
    ],
)
async def test_files_outside_the_library_are_never_served(
    make_app: Any,
    login: Any,
    admin_credentials: tuple[str, str],
    demo_library: Path,
    tmp_path: Path,
    root_name: str,
    relpath: str,
) -> None:
    # A second library root of our own, next to a secret, with links out of it.
    mine, outside = tmp_path / "mine", tmp_path / "outside"
    mine.mkdir()
    outside.mkdir()
    (outside / "secret.flac").write_bytes(b"SECRET BYTES")
    (mine / "escape").symlink_to(outside)
    (mine / "linked.flac").symlink_to(outside / "secret.flac")
    root = str(mine if root_name == "mine" else outside)
    relpath = relpath.format(outside=outside)
    async with make_app(overrides={"library.paths": [str(demo_library), str(mine)]}) as running:
        token = await login(running.client, *admin_credentials)
        headers = {"Authorization": f"Bearer {token}"}
        track_id = await add_track(running, root, relpath)
        response = await running.client.get(stream_url(track_id), headers=headers)
        ranged = await running.client.get(
            stream_url(track_id), headers={**headers, "Range": "bytes=0-3"}
        )

    for answer in (response, ranged):
        assert answer.status_code == 403
        assert b"SECRET" not in answer.content
        assert "outside the library" in answer.json()["detail"]
        assert str(tmp_path) not in answer.text  # no server paths in the answer
