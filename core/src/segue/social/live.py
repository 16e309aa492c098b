"""Live push to users' WebSockets: channel names and ``publish_to_users`` for every feature.

Each ``GET /api/v1/ws`` connection listens on ``user:<its user id>`` and on
``activity:<friend id>`` for each friend, through the presence slot (so a
message published by one ``segue serve`` process reaches sockets held by
another when the backend is shared, e.g. presence-valkey).

Other features push with::

    from segue.social.live import publish_to_users
    await publish_to_users(context, [user_id, ...], {"type": "playlist.diff", ...})

Every connected socket of those users receives the message as JSON, as is.
A message whose ``type`` starts with ``player.command`` and that names a
``device_id`` goes to that device's socket only. Without a presence backend
(``[presence] backend = "none"``) publishing does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from segue.context import SegueContext

USER_PREFIX = "user:"
ACTIVITY_PREFIX = "activity:"


def user_channel(user_id: str) -> str:
    """The channel of messages for one user (all of their sockets)."""
    return USER_PREFIX + user_id


def activity_channel(user_id: str) -> str:
    """The channel a user's activity is pushed on (their friends' sockets listen)."""
    return ACTIVITY_PREFIX + user_id


async def publish_to_users(
    context: SegueContext, user_ids: Iterable[str], message: Mapping[str, Any]
) -> None:
    """Push ``message`` (a JSON object with a ``type``) to every connected socket of these users."""
    if not isinstance(message.get("type"), str):
        raise ValueError("a live message needs a string 'type' field")
    presence = context.presence
    if presence is None:
        return
    for user_id in dict.fromkeys(user_ids):
        await presence.publish(user_channel(user_id), message)
