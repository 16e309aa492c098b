"""Shapes of the social graph stored by the catalog + users slot (msgspec Structs)."""

from __future__ import annotations

import msgspec


# gc=False on the shapes every live session keeps by the hundred (its friend
# snapshot): they hold no references that could form a cycle, and a server
# with a thousand sockets would otherwise make each full garbage collection
# walk a few hundred thousand of them (pauses seen as push latency).
class PrivacySettings(msgspec.Struct, kw_only=True, gc=False):
    """What a user lets friends see of their listening."""

    private_session: bool = False
    """While true (and before ``private_until``), nothing is published or shown."""
    private_until: float | None = None
    """Unix time the private session ends by itself; None: until turned off."""
    publish_activity: bool = True
    """False opts out of sharing activity altogether."""

    def shares_activity(self, now: float) -> bool:
        """Whether friends may see this user's activity at ``now``."""
        if not self.publish_activity:
            return False
        if not self.private_session:
            return True
        return self.private_until is not None and now >= self.private_until


class FriendRequest(msgspec.Struct, kw_only=True):
    """A pending request from ``from_user_id`` to ``to_user_id``."""

    id: str
    from_user_id: str
    from_name: str
    to_user_id: str
    to_name: str
    created_at: float


class Friend(msgspec.Struct, kw_only=True, gc=False):
    """One of a user's friends, with the friend's privacy settings (for the feed)."""

    user_id: str
    name: str
    since: float
    privacy: PrivacySettings = msgspec.field(default_factory=PrivacySettings)


class BlockedUser(msgspec.Struct, kw_only=True):
    """A user that someone blocked."""

    user_id: str
    name: str
    blocked_at: float
