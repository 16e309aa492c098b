"""Segue plugin: the playlists slot in MongoDB (see ``plugin``)."""
