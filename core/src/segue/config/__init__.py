"""Segue's configuration: one TOML file, overridable from the environment."""

from segue.config.loader import load_config, read_raw_config
from segue.config.schema import PluginConfig, SegueConfig

__all__ = ["PluginConfig", "SegueConfig", "load_config", "read_raw_config"]
