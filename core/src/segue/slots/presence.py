"""The presence slot (now playing, live push, devices).

Backends arrive with the presence issue; the slot is ``none`` until then.
"""

from typing import Protocol

from segue.slots.base import Backend


class PresenceBackend(Backend, Protocol):
    """Now-playing records, friends' activity and live push. Methods come with the presence issue."""
