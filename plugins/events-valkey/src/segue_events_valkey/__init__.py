"""Segue plugin: the events slot on Valkey Streams."""
