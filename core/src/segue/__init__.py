"""Segue: a self-hosted music streaming server.

Plugin authors need ``segue.hookimpl``, ``segue.PluginConfig`` and
``segue.BackendSpec``; everything else is reached through the
``SegueContext`` handed to hooks.
"""

from segue.config.schema import PluginConfig
from segue.markers import hookimpl, hookspec
from segue.slots.registry import BackendSpec

__version__ = "0.1.0"

__all__ = ["BackendSpec", "PluginConfig", "__version__", "hookimpl", "hookspec"]
