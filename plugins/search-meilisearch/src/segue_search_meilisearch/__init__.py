"""Segue's meilisearch search backend."""
