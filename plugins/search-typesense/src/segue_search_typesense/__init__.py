"""Segue's typesense search backend."""
