"""Segue plugin: the web player, served at /."""
