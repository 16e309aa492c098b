"""A third-party Subsonic client (py-opensonic, from PyPI) against a real uvicorn server.

It logs in with token auth, browses, searches, streams a transcoded rendition at
the requested maxBitRate, manages playlists, scrobbles and stars, with no error.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
import uvicorn
from libopensonic import AsyncConnection  # type: ignore[import-untyped]

from segue.app import create_app
from segue.events.builtin_jobs import PLAYBACK_TOPIC
from segue.runtime import load
from segue.search import indexer
from segue_subsonic.config import SubsonicConfig
from segue_subsonic.sealing import set_password

pytestmark = pytest.mark.anyio
PASSWORD = "app-password-123"


@pytest.fixture
async def server(
    tmp_path: Path, demo_library: Path, scanned_data_dir: Path
) -> AsyncIterator[tuple[int, object]]:
    """Segue under uvicorn on a free port; the admin has a Subsonic password."""
    data_dir = tmp_path / "data"
    await anyio.to_thread.run_sync(shutil.copytree, scanned_data_dir, data_dir)
    config = tmp_path / "segue.toml"
    config.write_text(
        f'[server]\ndata_dir = "{data_dir}"\n'
        f'[library]\npaths = ["{demo_library}"]\nscan_on_startup = false\n'
        '[auth]\nadmin_user = "admin"\nadmin_password = "admin-password-for-tests"\n'
        '[events]\nbackend = "sqlite"\nrun_consumers_in_server = false\n',
        encoding="utf-8",
    )
    _raw, _plugins, context = load(config, role="server")
    app = create_app(context)
    uv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on")
    )
    uv.config.setup_event_loop = lambda: None  # type: ignore[method-assign]
    async with anyio.create_task_group() as tg:
        tg.start_soon(uv.serve)
        with anyio.fail_after(20):
            while not uv.started:
                if uv.should_exit:
                    raise RuntimeError("the test server did not start")
                await anyio.sleep(0.01)
        admin = await context.catalog.get_user_by_name("admin")
        assert admin is not None
        await set_password(context, SubsonicConfig(), admin.id, PASSWORD)
        await indexer.rebuild(context)  # not left to the start-up task: no race
        port = uv.servers[0].sockets[0].getsockname()[1]
        try:
            yield port, context
        finally:
            uv.should_exit = True


async def test_py_opensonic_browses_searches_streams_and_edits(
    server: tuple[int, object],
) -> None:
    port, context = server
    conn = AsyncConnection("http://127.0.0.1", "admin", PASSWORD, port=port, app_name="pytest")
    try:
        assert await conn.ping() is True  # token auth (t + s)
        artists = await conn.get_artists()
        names = [a.name for index in artists.index or [] for a in index.artist or []]
        assert "AB/CD" in names
        albums = await conn.get_album_list2("alphabeticalByName", size=50)
        assert len(albums) >= 5
        album = await conn.get_album(albums[0].id)
        assert album.song and album.song[0].album_id == album.id
        artist = await conn.get_artist(album.artist_id)
        assert any(a.id == album.id for a in artist.album or [])
        song = await conn.get_song(album.song[0].id)
        assert song.title == album.song[0].title

        found = await conn.search3("sine")
        assert "High Voltage Sine" in {a.name for a in found.album or []}
        everything = await conn.search3("", song_count=500)
        assert len(everything.song or []) == 12

        flac = next(s for s in everything.song or [] if s.suffix == "flac")
        response = await conn.stream(flac.id, max_bit_rate=96)
        assert response.status == 200
        assert response.headers["x-segue-rendition"] == "ogg-normal"
        audio = await response.read()
        assert audio[:4] == b"OggS"

        ids = [s.id for s in (everything.song or [])[:3]]
        assert await conn.create_playlist(name="From a client", song_ids=ids)
        (playlist,) = await conn.get_playlists()
        assert playlist.song_count == 3
        assert await conn.update_playlist(playlist.id, song_indices_to_remove=[0], name="Edited")
        fetched = await conn.get_playlist(playlist.id)
        assert fetched.name == "Edited" and [e.id for e in fetched.entry or []] == ids[1:]
        assert await conn.delete_playlist(playlist.id)
        assert await conn.get_playlists() == []

        assert await conn.scrobble(ids[0])
        assert await conn.star(sids=[ids[0]], album_ids=[album.id])
        starred = await conn.get_starred2()
        assert [s.id for s in starred.song or []] == [ids[0]]
        assert [a.id for a in starred.album or []] == [album.id]
        assert await conn.unstar(sids=[ids[0]])
    finally:
        if conn._sess is not None:
            await conn._sess.close()
    events = context.events  # type: ignore[attr-defined]
    deliveries = await events.claim(PLAYBACK_TOPIC, "client-test", "t", limit=10)
    assert [d.payload["track_id"] for d in deliveries] == [ids[0]]
