"""``segue search reindex``: rebuilds the index from the catalog, reports clearly."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner
from search_helpers import OpenSearch, add_tracks, scanned

from segue.cli.main import build_cli
from segue.plugins.manager import CORE_PLUGINS
from segue.search.cli import search_group


async def _fill(open_search: OpenSearch, home: Path) -> None:
    async with open_search("embedded", home=home) as context:
        await add_tracks(
            context,
            [
                scanned(1, "Come to Daddy", "Aphex Twin", "Come to Daddy"),
                scanned(2, "Avril 14th", "Aphex Twin", "Drukqs"),
            ],
        )


async def _count(open_search: OpenSearch, home: Path) -> int:
    async with open_search("embedded", home=home) as context:
        return await context.search.count()  # type: ignore[union-attr]


def test_reindex_rebuilds_from_the_catalog(open_search: OpenSearch, tmp_path: Path) -> None:
    home = tmp_path / "cli"
    anyio.run(_fill, open_search, home)
    assert anyio.run(_count, open_search, home) == 0
    result = CliRunner().invoke(search_group, ["reindex", "--config", str(home / "segue.toml")])
    assert result.exit_code == 0, result.output
    # 2 tracks, 2 albums, 1 artist
    assert "Search index rebuilt (embedded): 5 documents." in result.output
    assert anyio.run(_count, open_search, home) == 5


@pytest.mark.skipif(
    "segue.api.search" not in CORE_PLUGINS,
    reason="segue.api.search is not in CORE_PLUGINS yet, so `segue search` is not registered",
)
def test_segue_search_reindex_is_a_segue_command(open_search: OpenSearch, tmp_path: Path) -> None:
    home = tmp_path / "cli"
    anyio.run(_fill, open_search, home)
    args = ["search", "reindex", "--config", str(home / "segue.toml")]
    result = CliRunner().invoke(build_cli(args), args)
    assert result.exit_code == 0, result.output
    assert "5 documents" in result.output


def test_reindex_with_search_off_says_how_to_turn_it_on(tmp_path: Path) -> None:
    config = tmp_path / "segue.toml"
    config.write_text(
        f'[server]\ndata_dir = "{tmp_path / "data"}"\n\n[search]\nbackend = "none"\n',
        encoding="utf-8",
    )
    args = ["search", "reindex", "--config", str(config)]
    group = build_cli(args)
    group.add_command(search_group)  # registered by hand until it is a core plugin
    result = CliRunner().invoke(group, args)
    assert result.exit_code == 1
    assert "[search] backend is 'none'" in result.output
    assert "Traceback" not in result.output
