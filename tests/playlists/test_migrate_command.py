"""`segue playlists migrate --to mongodb`: SQLite playlists (and libraries...) copied to MongoDB."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import anyio
from click.testing import CliRunner

from segue.cli.main import build_cli
from segue.playlists.models import HistoryEntry, InsertOp, PlaylistExport, PlayQueue, RemoveOp
from segue.runtime import open_context


def write_config(home: Path, ferretdb_url: str, backend: str) -> Path:
    config = home / "segue.toml"
    config.write_text(
        f'[server]\ndata_dir = "{home / "data"}"\n\n'
        f'[playlists]\nbackend = "{backend}"\n\n'
        f'[plugins.playlists-mongodb]\nurl = "{ferretdb_url}"\n'
        f'database = "m{uuid.uuid4().hex[:12]}"\n',
        encoding="utf-8",
    )
    return config


async def fill_sqlite(config: Path) -> tuple[str, list[PlaylistExport]]:
    async with open_context(config) as context:
        playlists = context.playlists
        assert playlists is not None
        user = await context.catalog.create_user("migrant", "unused-hash", is_admin=False)
        first = await playlists.create_playlist(user.id, "first", public=True)
        await playlists.edit_entries(first.id, user.id, [InsertOp(track_ids=["a", "b", "c"])])
        page = await playlists.list_entries(first.id, 0, 10)
        await playlists.edit_entries(first.id, user.id, [RemoveOp(entry_ids=[page.items[1].id])])
        await playlists.create_playlist(user.id, "second", description="empty")
        await playlists.save_items(user.id, "album", ["al1", "al2"])
        now = time.time()
        await playlists.add_history(user.id, [HistoryEntry(id="h1", track_id="a", played_at=now)])
        await playlists.put_queue(user.id, PlayQueue(track_ids=["a", "c"], position=1))
        return user.id, [e async for e in playlists.export_playlists()]


async def read_target(
    config: Path, user_id: str
) -> tuple[list[PlaylistExport], int, int, PlayQueue]:
    async with open_context(config, overrides={"playlists.backend": "mongodb"}) as context:
        playlists = context.playlists
        assert playlists is not None
        exports = [e async for e in playlists.export_playlists()]
        saved = (await playlists.list_saved(user_id, "album", 0, 10)).total
        history = (await playlists.list_history(user_id, 0, 10)).total
        return exports, saved, history, await playlists.get_queue(user_id)


def migrate(config: Path) -> str:
    args = ["playlists", "migrate", "--to", "mongodb", "--config", str(config)]
    result = CliRunner().invoke(build_cli(args), args)
    assert result.exit_code == 0, result.output
    return result.output


def test_migrate_copies_everything_once(tmp_path: Path, ferretdb_url: str) -> None:
    config = write_config(tmp_path, ferretdb_url, "sqlite")
    user_id, before = anyio.run(fill_sqlite, config)

    output = migrate(config)
    assert "Copied 2 playlists (2 entries; 0 already there), 2 saved items" in output
    assert "1 history entries and 1 queues" in output

    exports, saved, history, queue = anyio.run(read_target, config, user_id)
    by_id = {e.playlist.id: e for e in exports}
    for source in before:
        copied = by_id[source.playlist.id]
        assert [(e.id, e.track_id) for e in copied.entries] == [
            (e.id, e.track_id) for e in source.entries
        ]
        assert (copied.playlist.name, copied.playlist.public) == (
            source.playlist.name,
            source.playlist.public,
        )
    assert (saved, history, queue.track_ids, queue.position) == (2, 1, ["a", "c"], 1)

    again = migrate(config)
    assert "Copied 0 playlists (0 entries; 2 already there)" in again


def test_migrate_names_unknown_backends(tmp_path: Path, ferretdb_url: str) -> None:
    config = write_config(tmp_path, ferretdb_url, "sqlite")
    args = ["playlists", "migrate", "--to", "postgres", "--config", str(config)]
    result = CliRunner().invoke(build_cli(args), args)
    assert result.exit_code == 1
    assert "no playlists backend named 'postgres'" in result.output
    assert "mongodb" in result.output and "Traceback" not in result.output
