"""Start-up and shutdown order across plugins: shutdown undoes start-up in reverse."""

from __future__ import annotations

from pathlib import Path

import pytest

from segue import hookimpl
from segue.context import SegueContext
from segue.runtime import open_context


class Recorder:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    @hookimpl
    def startup(self, context: SegueContext) -> None:
        self.log.append(f"start {self.name}")

    @hookimpl
    async def shutdown(self, context: SegueContext) -> None:
        self.log.append(f"stop {self.name}")


@pytest.mark.anyio
async def test_hook_shutdown_runs_in_reverse_startup_order(tmp_path: Path) -> None:
    log: list[str] = []
    plugins = [("first", Recorder("first", log)), ("second", Recorder("second", log))]
    async with open_context(
        None, overrides={"server.data_dir": str(tmp_path)}, extra_plugins=plugins
    ):
        started = list(log)
    stopped = log[len(started) :]
    assert started == ["start second", "start first"]  # pluggy: last registered first
    assert stopped == ["stop first", "stop second"]
