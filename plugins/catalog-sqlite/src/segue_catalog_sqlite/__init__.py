"""Segue plugin: the catalog + users slot stored in SQLite (the embedded default backend)."""
