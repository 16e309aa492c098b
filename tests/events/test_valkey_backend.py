"""What only the Valkey events backend has: a clear error when Valkey is unreachable."""

from __future__ import annotations

import pytest

from segue_events_valkey.streams import ValkeyEvents, redacted
from segue_events_valkey.testing import free_port

pytestmark = pytest.mark.anyio


async def test_an_unreachable_valkey_is_named_with_its_config_key() -> None:
    url = f"valkey://:s3cret@127.0.0.1:{free_port()}/0"
    backend = ValkeyEvents(url)

    with pytest.raises(ConnectionError) as caught:
        await backend.start()

    message = str(caught.value)
    assert "plugins.events-valkey.url" in message
    assert "127.0.0.1" in message
    assert "s3cret" not in message  # the password never reaches logs


def test_redacted_urls_keep_everything_but_the_password() -> None:
    assert redacted("valkey://user:pw@host:6379/2") == "valkey://user:***@host:6379/2"
    assert redacted("valkey://host:6379/0") == "valkey://host:6379/0"
