"""The pluggy markers for Segue's hooks.

Plugin authors import ``segue.hookimpl``; ``segue.hookspec`` is only used by
``segue.hookspecs``.
"""

import pluggy

PROJECT_NAME = "segue"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
