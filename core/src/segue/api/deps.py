"""Parameter types for route handlers, in Litestar's explicit style (2.23+).

A handler (in the core or in a plugin) gets the running Segue with
``context: Context``; the plain ``context: SegueContext`` also works but is
an *inferred* dependency, which Litestar deprecates (removed in 3.0).
"""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency

from segue.context import SegueContext

Context: TypeAlias = NamedDependency[SegueContext]
"""The app-level ``context`` dependency: the :class:`SegueContext` serving this request."""
