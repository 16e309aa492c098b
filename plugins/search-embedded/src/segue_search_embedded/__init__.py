"""Segue's embedded search backend."""
