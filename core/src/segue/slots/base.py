from typing import Protocol


class Backend(Protocol):
    """What every slot backend does: start, answer a health ping, close."""

    async def start(self) -> None:
        """Open connections, create files, run migrations. Called once."""
        ...

    async def ping(self) -> None:
        """Raise if the backend cannot serve right now (used by /api/v1/health)."""
        ...

    async def close(self) -> None:
        """Release everything. Called once, also after a failed start."""
        ...
