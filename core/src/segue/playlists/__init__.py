"""Playlists, library, history and play queue: shapes and backend-independent logic.

``models`` holds the msgspec shapes the playlists slot stores and returns,
``edits`` applies entry edits (insert/remove/move by entry id, rebase against
concurrent versions) the same way for every backend, and ``shuffle`` is the
artist-spreading shuffle of the play queue.
"""
