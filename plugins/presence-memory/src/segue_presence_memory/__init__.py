"""The presence slot in process memory (plugin presence-memory)."""
