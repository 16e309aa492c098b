"""Segue plugin: Chromaprint fingerprints, duplicate detection and recording identity."""
