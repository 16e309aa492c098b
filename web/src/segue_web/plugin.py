"""Segue plugin: the web player, served at /. (work in progress)."""
