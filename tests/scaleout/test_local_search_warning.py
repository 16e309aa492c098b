"""`segue serve` warns when its embedded search index would not follow the library."""

from __future__ import annotations

from pathlib import Path

import pytest
from structlog.testing import capture_logs

from segue.cli.serve import warn_about_local_search
from segue.runtime import load


@pytest.mark.parametrize(
    ("search", "consumers", "warned"),
    [
        ("embedded", "false", True),
        ("embedded", "true", False),
        ("none", "false", False),
    ],
)
def test_embedded_search_without_consumers_is_warned_about(
    tmp_path: Path, search: str, consumers: str, warned: bool
) -> None:
    config = tmp_path / "segue.toml"
    config.write_text(
        f'[server]\ndata_dir = "{tmp_path / "data"}"\n\n'
        f'[search]\nbackend = "{search}"\n\n'
        f'[events]\nbackend = "sqlite"\nrun_consumers_in_server = {consumers}\n',
        encoding="utf-8",
    )
    _raw, _plugins, context = load(config, role="server")
    with capture_logs() as logs:
        warn_about_local_search(context)
    warnings = [e["event"] for e in logs if e["log_level"] == "warning"]
    assert bool(warnings) is warned
    if warned:
        assert "meilisearch" in warnings[0] and "run_consumers_in_server" in warnings[0]
