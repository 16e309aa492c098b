"""Segue plugin: catalog and users in MongoDB (the scale-out path)."""
