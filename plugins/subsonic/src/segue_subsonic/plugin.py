"""Segue plugin: the OpenSubsonic REST API at /rest. (work in progress)."""
