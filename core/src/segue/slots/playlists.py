"""The playlists slot (playlists, saved library, history, play queue).

Backends arrive with the playlists issue; the slot is ``none`` until then.
"""

from typing import Protocol

from segue.slots.base import Backend


class PlaylistsBackend(Backend, Protocol):
    """Playlists, library, history and queue. Methods are added by the playlists issue."""
