"""POST /api/v1/playback/report over real HTTP: validation, idempotency, the recorded event."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from playback_helpers import report

from segue.slots.events import Delivery

pytestmark = pytest.mark.anyio

URL = "/api/v1/playback/report"


async def recorded(segue_app: Any) -> list[Delivery]:
    """Every event recorded on the playback topic (claimed by a test-only group)."""
    events = segue_app.context.events
    found: list[Delivery] = []
    while batch := await events.claim("playback", "test.reader", "t", limit=100):
        found += batch
    return found


async def test_a_report_is_recorded_and_answered_202(
    segue_app: Any,
    client: AsyncTestClient[Litestar],
    user_headers: dict[str, str],
    track_id: str,
) -> None:
    response = await client.post(URL, json=report(track_id), headers=user_headers)

    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]
    [delivery] = await recorded(segue_app)
    assert delivery.event_id == event_id
    me = (await client.get("/api/v1/me", headers=user_headers)).json()
    payload = delivery.payload
    assert payload["user_id"] == me["id"]  # who played comes from the credentials
    assert (payload["track_id"], payload["duration_listened_ms"]) == (track_id, 95_000)
    assert (payload["device_id"], payload["session_id"]) == ("phone-1", "session-1")
    assert (payload["quality"], payload["context"], payload["completed"]) == (
        "high",
        "album:demo",
        True,
    )
    assert payload["reported_at"] > 0


async def test_the_same_idempotency_key_is_one_event(
    segue_app: Any,
    client: AsyncTestClient[Litestar],
    user_headers: dict[str, str],
    track_id: str,
) -> None:
    headers = {**user_headers, "Idempotency-Key": "play-42"}
    first = await client.post(URL, json=report(track_id), headers=headers)
    again = await client.post(URL, json=report(track_id), headers=headers)
    other = await client.post(
        URL, json=report(track_id), headers={**user_headers, "Idempotency-Key": "play-43"}
    )

    assert first.status_code == again.status_code == other.status_code == 202
    assert first.json()["event_id"] == again.json()["event_id"] != other.json()["event_id"]
    assert len(await recorded(segue_app)) == 2


async def test_two_users_may_use_the_same_key(
    segue_app: Any,
    client: AsyncTestClient[Litestar],
    auth_headers: dict[str, str],
    user_headers: dict[str, str],
    track_id: str,
) -> None:
    key = {"Idempotency-Key": "same-key"}
    one = await client.post(URL, json=report(track_id), headers={**auth_headers, **key})
    two = await client.post(URL, json=report(track_id), headers={**user_headers, **key})

    assert one.json()["event_id"] != two.json()["event_id"]
    assert len(await recorded(segue_app)) == 2


async def test_without_a_key_every_report_is_its_own_event(
    segue_app: Any,
    client: AsyncTestClient[Litestar],
    user_headers: dict[str, str],
    track_id: str,
) -> None:
    for _ in range(2):
        response = await client.post(URL, json=report(track_id), headers=user_headers)
        assert response.status_code == 202

    assert len(await recorded(segue_app)) == 2


async def test_an_unknown_track_is_404_and_records_nothing(
    segue_app: Any, client: AsyncTestClient[Litestar], user_headers: dict[str, str]
) -> None:
    response = await client.post(URL, json=report("no-such-track"), headers=user_headers)

    assert response.status_code == 404
    assert "no-such-track" in response.json()["detail"]
    assert await recorded(segue_app) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_listened_ms": -1}, "duration_listened_ms"),
        ({"duration_listened_ms": "long"}, "duration_listened_ms"),
        ({"completed": ...}, "completed"),
        ({"device_id": ""}, "device_id"),
        ({"session_id": ...}, "session_id"),
        ({"track_id": 12}, "track_id"),
        ({"volume": 11}, "volume"),
    ],
)
async def test_a_malformed_report_names_the_field_and_records_nothing(
    segue_app: Any,
    client: AsyncTestClient[Litestar],
    user_headers: dict[str, str],
    track_id: str,
    changes: dict[str, Any],
    field: str,
) -> None:
    response = await client.post(URL, json=report(track_id, changes), headers=user_headers)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text
    assert "Traceback" not in response.text
    assert await recorded(segue_app) == []


async def test_an_overlong_idempotency_key_is_refused(
    segue_app: Any,
    client: AsyncTestClient[Litestar],
    user_headers: dict[str, str],
    track_id: str,
) -> None:
    headers = {**user_headers, "Idempotency-Key": "k" * 201}
    response = await client.post(URL, json=report(track_id), headers=headers)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert await recorded(segue_app) == []


async def test_reports_need_credentials(
    segue_app: Any, client: AsyncTestClient[Litestar], track_id: str
) -> None:
    response = await client.post(URL, json=report(track_id))

    assert response.status_code == 401
    assert await recorded(segue_app) == []
