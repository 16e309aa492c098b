"""What `segue plugins` shows about each plugin."""

from __future__ import annotations

from typing import Literal

import msgspec

PluginStatus = Literal["enabled", "disabled", "failed"]


class PluginRecord(msgspec.Struct, kw_only=True):
    name: str
    """The entry point name, also the config section [plugins.<name>]."""
    distribution: str
    version: str
    module: str
    status: PluginStatus = "enabled"
    reason: str | None = None
    """Why the plugin failed, in words."""
    hooks: list[str] = []
    backends: list[str] = []
    """'<slot>:<backend>' this plugin provides."""
    core: bool = False
    """Part of segue-core (always enabled)."""
