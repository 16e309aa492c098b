"""Which backends exist for which slot, and how the configured one is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from segue.context import SegueContext

SlotName = Literal["catalog", "search", "playlists", "presence", "events", "storage"]
SLOT_NAMES: tuple[SlotName, ...] = get_args(SlotName)

# Slots that Segue cannot run without; the others may be set to "none".
REQUIRED_SLOTS: frozenset[SlotName] = frozenset({"catalog", "events", "storage"})
NO_BACKEND = "none"


@dataclass(frozen=True, kw_only=True)
class BackendSpec:
    """A backend a plugin offers for a slot (returned by ``register_backends``)."""

    slot: SlotName
    name: str
    """What the admin writes in ``[<slot>] backend = "<name>"``."""
    factory: Callable[[SegueContext], object]
    """Builds the backend; called once, only if the slot is configured to use it."""
    description: str = ""
    plugin: str = ""
    """Filled in by the core: the plugin that registered it."""
