"""Segue plugin: scans library folders with mutagen into the catalog; writes demo libraries."""
