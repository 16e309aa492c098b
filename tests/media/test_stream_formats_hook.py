"""The register_stream_formats hook: a plugin serves a new ``format`` of the stream endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from litestar import Response

from segue import hookimpl
from segue.api.media import StreamFormat, StreamRequest
from segue.context import SegueContext
from segue.models import ListQuery

pytestmark = pytest.mark.anyio


class ReversedTitles:
    """A toy format: the track's title backwards, with the request's quality."""

    def __init__(self) -> None:
        self.requests: list[StreamRequest] = []

    async def serve(self, stream: StreamRequest) -> Response[Any]:
        self.requests.append(stream)
        body = f"{stream.track.title[::-1]}|{stream.quality}".encode()
        return Response(body, media_type="text/x-reversed", headers={"x-format": stream.format})

    @hookimpl
    def register_stream_formats(self, context: SegueContext) -> Sequence[StreamFormat]:
        return [StreamFormat(name="backwards", serve=self.serve, default=False)]


async def test_hook_register_stream_formats(make_app: Any, login: Any) -> None:
    plugin = ReversedTitles()
    async with make_app(extra_plugins=[("reversed-titles", plugin)]) as running:
        token = await login(running.client, "admin", "admin-password-for-tests")
        headers = {"Authorization": f"Bearer {token}"}
        [track] = (await running.context.catalog.list_tracks(ListQuery(limit=1))).items
        url = f"/api/v1/tracks/{track.id}/stream"

        served = await running.client.get(
            url, params={"format": "BACKWARDS", "quality": "q1"}, headers=headers
        )
        missing = await running.client.get(
            "/api/v1/tracks/nope/stream", params={"format": "backwards"}, headers=headers
        )
        raw = await running.client.get(url, params={"format": "raw"}, headers=headers)

    assert served.status_code == 200
    assert served.content == f"{track.title[::-1]}|q1".encode()
    assert served.headers["x-format"] == "backwards"
    assert [r.track.id for r in plugin.requests] == [track.id]
    # The core answers 404 for unknown tracks before any plugin is asked.
    assert missing.status_code == 404
    assert raw.status_code == 200 and raw.content != served.content
