"""The presence-valkey plugin's settings (``[plugins.presence-valkey]``)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from segue.slots.presence import PresenceConfig


class Config(PresenceConfig):
    """``[plugins.presence-valkey]``: the Valkey server, key prefix and the outage cache."""

    url: str = "valkey://127.0.0.1:6379/0"
    """The Valkey server (``valkey://host:port/db``; ``redis://`` works too)."""
    key_prefix: str = "segue:presence:"
    """Prepended to every key and channel, so several Segues can share one Valkey."""
    cache_ttl_s: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    """While Valkey is unreachable, friends' feeds are served from what this
    process last read, for at most this long."""
    timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 2.0
    """Connect and command timeout: an outage is noticed this fast."""
    retry_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    """How often live push tries to reconnect after Valkey went away."""
