"""Segue plugin: the playlists slot in SQLite (see ``plugin``)."""
