"""The slots: typed Protocols that backends plugged in by plugins implement."""

from segue.slots.catalog import CatalogBackend
from segue.slots.events import Delivery, EventsBackend
from segue.slots.playlists import PlaylistsBackend
from segue.slots.presence import PresenceBackend
from segue.slots.search import SearchBackend
from segue.slots.storage import MediaStorage

__all__ = [
    "CatalogBackend",
    "Delivery",
    "EventsBackend",
    "MediaStorage",
    "PlaylistsBackend",
    "PresenceBackend",
    "SearchBackend",
]
