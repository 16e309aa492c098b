"""stream (original, transcoded by maxBitRate, time offset), download, cover art, lyrics."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient
from subsonic_helpers import all_songs, first_album

from segue.app import create_app
from segue.runtime import load
from segue_subsonic.endpoints.media import structured

pytestmark = pytest.mark.anyio


async def _song(subsonic: Any, suffix: str | None = None) -> dict[str, Any]:
    songs = await all_songs(subsonic)
    return next(s for s in songs if suffix is None or s["suffix"] == suffix)


async def _probe(data: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    result = await anyio.run_process(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,bit_rate,width,height",
            "-of",
            "default=noprint_wrappers=1",
            str(path),
        ],
    )
    return result.stdout.decode()


async def test_stream_without_limits_is_the_original_file(
    subsonic: Any, demo_library: Path
) -> None:
    song = await _song(subsonic)
    response = await subsonic.call("stream", id=song["id"])
    assert response.status_code == 200
    assert response.content == (demo_library / song["path"]).read_bytes()
    ranged = await subsonic.client.get(
        "/rest/stream", params={**subsonic.auth(), "id": song["id"]}, headers={"Range": "bytes=0-9"}
    )
    assert ranged.status_code == 206 and len(ranged.content) == 10
    raw = await subsonic.call("stream", id=song["id"], format="raw", maxBitRate="32")
    assert raw.content == response.content


async def test_max_bit_rate_picks_the_nearest_ladder_rendition(
    subsonic: Any, tmp_path: Path
) -> None:
    song = await _song(subsonic, "flac")
    response = await subsonic.call("stream", id=song["id"], maxBitRate="100")
    assert response.status_code == 200, response.text
    assert response.headers["x-segue-rendition"] == "ogg-normal"  # 96 kbit/s: the best <= 100
    assert "codec_name=vorbis" in await _probe(response.content, tmp_path, "a.ogg")
    low = await subsonic.call("stream", id=song["id"], maxBitRate="10")
    assert low.headers["x-segue-rendition"] == "ogg-low"  # nothing fits: the lowest
    opus = await subsonic.call("stream", id=song["id"], format="opus", maxBitRate="320")
    assert opus.headers["x-segue-rendition"] == "opus-high"
    mp3 = await subsonic.call("stream", id=song["id"], format="mp3", maxBitRate="192")
    assert mp3.headers["x-segue-rendition"] == "ogg-high"  # no mp3: the default format


async def test_time_offset_seeks_a_transcoded_stream(subsonic: Any, tmp_path: Path) -> None:
    song = await _song(subsonic, "flac")
    response = await subsonic.call("stream", id=song["id"], timeOffset="1", maxBitRate="96")
    assert response.status_code == 200, response.text
    assert response.headers["x-segue-offset"] == "1"
    assert "codec_name=vorbis" in await _probe(response.content, tmp_path, "b.ogg")


async def test_download_is_the_original_as_an_attachment(subsonic: Any, demo_library: Path) -> None:
    song = await _song(subsonic)
    response = await subsonic.call("download", id=song["id"])
    assert response.content == (demo_library / song["path"]).read_bytes()
    assert response.headers["content-disposition"].startswith("attachment;")


async def test_cover_art_original_and_resized_and_cached(subsonic: Any, tmp_path: Path) -> None:
    album = await first_album(subsonic)
    original = await subsonic.call("getCoverArt", id=album["coverArt"])
    assert original.status_code == 200
    assert original.headers["content-type"].startswith("image/")
    small = await subsonic.call("getCoverArt", id=album["coverArt"], size="40")
    assert small.headers["content-type"] == "image/jpeg"
    assert small.content[:3] == b"\xff\xd8\xff"
    probe = await _probe(small.content, tmp_path, "c.jpg")
    width = int(probe.split("width=")[1].split()[0])
    assert width <= 64  # 40 is served from the 64 px bucket, never larger than the original
    cached = list((subsonic.context.data_dir / "subsonic-covers").rglob("*.jpg"))
    assert len(cached) == 1
    again = await subsonic.call("getCoverArt", id=album["coverArt"], size="40")
    assert again.content == small.content
    # An artist's cover is one of their albums'.
    by_artist = await subsonic.call("getCoverArt", id=album["artistId"])
    assert by_artist.status_code == 200 and by_artist.headers["content-type"].startswith("image/")


async def test_song_without_lyrics_has_an_empty_list(subsonic: Any) -> None:
    song = await _song(subsonic)
    body = await subsonic.ok("getLyricsBySongId", id=song["id"])
    assert body["lyricsList"] == {"structuredLyrics": []}


def test_lrc_text_becomes_synced_lines() -> None:
    class FakeTrack:  # only the two fields structured() reads
        artist_name = "A"
        title = "T"

    lines = "[ar:A]\n[00:01.50]First line\n[01:02.25] Second\n"
    result = structured(lines, FakeTrack())  # type: ignore[arg-type]
    assert result["synced"] is True
    assert result["line"] == [
        {"start": 1500, "value": "First line"},
        {"start": 62250, "value": "Second"},
    ]
    plain = structured("one\ntwo\n", FakeTrack())  # type: ignore[arg-type]
    assert plain["synced"] is False and [x["value"] for x in plain["line"]] == ["one", "two"]


async def test_sidecar_lrc_lyrics_in_json_and_xml(tmp_path: Path, demo_library: Path) -> None:
    library = tmp_path / "library"
    target = library / "Artist" / "song.flac"

    def make_library() -> None:
        source = sorted(demo_library.rglob("*.flac"))[0]
        target.parent.mkdir(parents=True)
        shutil.copy(source, target)
        (target.parent / "song.lrc").write_text("[00:00.50]Hello <world>\n", encoding="utf-8")

    await anyio.to_thread.run_sync(make_library)
    config = tmp_path / "segue.toml"
    config.write_text(
        f'[server]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[library]\npaths = ["{library}"]\nscan_on_startup = false\n'
        '[auth]\nadmin_user = "admin"\nadmin_password = "admin-password-for-tests"\n'
        '[events]\nbackend = "sqlite"\nrun_consumers_in_server = false\n',
        encoding="utf-8",
    )
    _raw, _plugins, context = load(config, role="server")
    async with AsyncTestClient(app=create_app(context)) as client:
        from segue_catalog_filesystem.scanner import scan_library  # type: ignore[import-untyped,unused-ignore]

        await scan_library(context)
        params = {"u": "admin", "p": "admin-password-for-tests", "v": "1.16.1", "c": "t"}
        found = await client.get("/rest/search3", params={**params, "f": "json", "query": ""})
        song_id = found.json()["subsonic-response"]["searchResult3"]["song"][0]["id"]
        body = await client.get(
            "/rest/getLyricsBySongId", params={**params, "f": "json", "id": song_id}
        )
        lyrics = body.json()["subsonic-response"]["lyricsList"]["structuredLyrics"]
        assert lyrics[0]["synced"] is True
        assert lyrics[0]["line"] == [{"start": 500, "value": "Hello <world>"}]
        xml = await client.get("/rest/getLyricsBySongId", params={**params, "id": song_id})
        assert '<line start="500">Hello &lt;world&gt;</line>' in xml.text
