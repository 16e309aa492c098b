"""The Subsonic methods, by area; importing this package registers them all."""

from segue_subsonic.endpoints import (
    annotation,
    browsing,
    lists,
    media,
    playlists,
    queue,
    searching,
    system,
)

__all__ = [
    "annotation",
    "browsing",
    "lists",
    "media",
    "playlists",
    "queue",
    "searching",
    "system",
]
