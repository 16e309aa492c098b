"""The presence slot on Valkey (plugin presence-valkey)."""
