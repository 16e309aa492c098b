"""Each quality of a demo track over real HTTP: codec, channels, bitrate (ffprobe), Range."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from transcoder_helpers import LADDER, probe_stream, settle, step_named, stream_url

from segue.models import Track
from segue_transcoder.ladder import LadderStep
from segue_transcoder.service import Transcoder

pytestmark = pytest.mark.anyio


async def fetch_rendition(
    client: Any, headers: dict[str, str], track: Track, step: LadderStep
) -> bytes:
    response = await client.get(
        stream_url(track.id),
        params={"format": step.format, "quality": step.quality},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-segue-rendition"] == step.name
    assert response.headers["content-type"].startswith("audio/ogg")
    assert response.headers["accept-ranges"] == "bytes"
    return bytes(response.content)


@pytest.mark.parametrize("step", LADDER, ids=lambda s: s.name)
async def test_each_quality_is_its_ladder_step(
    tx_app: Any,
    tx_headers: dict[str, str],
    flac_track: Track,
    service: Transcoder,
    tmp_path: Path,
    step: LadderStep,
) -> None:
    body = await fetch_rendition(tx_app.client, tx_headers, flac_track, step)
    out = tmp_path / f"{step.name}.{step.extension}"
    out.write_bytes(body)

    probed = await probe_stream(out)
    stream = probed["stream"]
    assert stream["codec_name"] == step.codec
    assert int(stream["channels"]) == step.channels
    if step.codec == "vorbis":
        # Vorbis headers carry the nominal bitrate.
        assert int(stream["bit_rate"]) == step.bitrate_kbps * 1000
        assert int(stream["sample_rate"]) == (step.sample_rate or flac_track.sample_rate)
    else:
        # Opus has no nominal bitrate field: constrained VBR keeps the audio near it.
        audio_bits = int(probed["format"]["bit_rate"])
        assert 0.75 * step.bitrate_kbps * 1000 < audio_bits < 1.35 * step.bitrate_kbps * 1000
    duration = float(probed["format"]["duration"])
    assert abs(duration - flac_track.duration_ms / 1000) < 0.1

    # The bytes served are the cached rendition's, and a second request is served from disk.
    cached = await service.store.find(flac_track, step)
    assert cached is not None and cached.path.read_bytes() == body
    again = await fetch_rendition(tx_app.client, tx_headers, flac_track, step)
    assert again == body


async def test_raw_is_the_original(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track
) -> None:
    response = await tx_app.client.get(
        stream_url(flac_track.id),
        params={"format": "raw", "quality": "low"},
        headers=tx_headers,
    )

    assert response.status_code == 200
    assert response.content == (Path(flac_track.root) / flac_track.relpath).read_bytes()


async def test_ranges_on_every_cached_rendition(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track, service: Transcoder
) -> None:
    rng = random.Random(7)
    for step in LADDER:
        await fetch_rendition(tx_app.client, tx_headers, flac_track, step)
        found = await service.store.find(flac_track, step)
        assert found is not None
        data = found.path.read_bytes()
        etag = None
        for _ in range(5):
            start = rng.randrange(len(data))
            end = rng.randrange(start, len(data))
            response = await tx_app.client.get(
                stream_url(flac_track.id),
                params={"format": step.format, "quality": step.quality},
                headers={**tx_headers, "Range": f"bytes={start}-{end}"},
            )
            assert response.status_code == 206, (step.name, response.text)
            assert response.content == data[start : end + 1]
            assert response.headers["content-range"] == f"bytes {start}-{end}/{len(data)}"
            etag = etag or response.headers["etag"]
            assert response.headers["etag"] == etag
        suffix = await tx_app.client.get(
            stream_url(flac_track.id),
            params={"format": step.format, "quality": step.quality},
            headers={**tx_headers, "Range": "bytes=-100"},
        )
        assert suffix.status_code == 206 and suffix.content == data[-100:]
        not_modified = await tx_app.client.get(
            stream_url(flac_track.id),
            params={"format": step.format, "quality": step.quality},
            headers={**tx_headers, "If-None-Match": etag or ""},
        )
        assert not_modified.status_code == 304


async def test_a_range_on_the_first_request_of_an_uncached_rendition(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track, service: Transcoder
) -> None:
    step = step_named("ogg-high")
    assert await service.store.find(flac_track, step) is None
    first = await tx_app.client.get(
        stream_url(flac_track.id),
        params={"format": "ogg", "quality": "high"},
        headers={**tx_headers, "Range": "bytes=1000-4999"},
    )
    assert first.status_code == 206, first.text
    assert first.headers["accept-ranges"] == "bytes"
    assert first.headers["content-range"].startswith("bytes 1000-4999/")
    # Served from the live encode; once done, the same bytes are in the cache.
    await settle(tx_app)
    found = await service.store.find(flac_track, step)
    assert found is not None
    assert first.content == found.path.read_bytes()[1000:5000]


async def test_an_open_range_on_an_uncached_rendition_waits_for_the_size(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track, service: Transcoder
) -> None:
    response = await tx_app.client.get(
        stream_url(flac_track.id),
        params={"format": "opus", "quality": "high"},
        headers={**tx_headers, "Range": "bytes=500-"},
    )
    found = await service.store.find(flac_track, step_named("opus-high"))
    assert found is not None
    data = found.path.read_bytes()
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 500-{len(data) - 1}/{len(data)}"
    assert response.content == data[500:]


@pytest.mark.parametrize(
    ("bandwidth", "expected"),
    [(900, "very_high"), (501, "very_high"), (350, "high"), (150, "normal"), (60, "low")],
)
async def test_auto_quality_follows_the_bandwidth(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track, bandwidth: int, expected: str
) -> None:
    response = await tx_app.client.get(
        stream_url(flac_track.id),
        params={"format": "ogg", "quality": "auto", "bandwidth": str(bandwidth)},
        headers={**tx_headers, "Range": "bytes=0-99"},
    )
    assert response.status_code in (200, 206), response.text
    assert response.headers["x-segue-rendition"] == f"ogg-{expected}"


async def test_auto_quality_from_a_header(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track
) -> None:
    response = await tx_app.client.head(
        stream_url(flac_track.id),
        params={"format": "ogg", "quality": "auto"},
        headers={**tx_headers, "X-Bandwidth-Kbps": "250"},
    )
    assert response.headers["x-segue-rendition"] == "ogg-high"


async def test_quality_without_format_uses_the_default_format(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track
) -> None:
    response = await tx_app.client.head(
        stream_url(flac_track.id), params={"quality": "low"}, headers=tx_headers
    )
    assert response.headers["x-segue-rendition"] == "ogg-low"


async def test_bad_quality_and_format_are_explained(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track
) -> None:
    bad_quality = await tx_app.client.get(
        stream_url(flac_track.id), params={"format": "ogg", "quality": "ultra"}, headers=tx_headers
    )
    assert bad_quality.status_code == 400
    assert "'ultra'" in bad_quality.json()["detail"] and "very_high" in bad_quality.json()["detail"]
    bad_format = await tx_app.client.get(
        stream_url(flac_track.id), params={"format": "mp3"}, headers=tx_headers
    )
    assert bad_format.status_code == 400
    detail = bad_format.json()["detail"]
    assert "'mp3'" in detail and "opus" in detail and "raw" in detail


async def test_a_time_seek_encodes_from_the_offset(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track, tmp_path: Path
) -> None:
    offset = flac_track.duration_ms / 2000
    response = await tx_app.client.get(
        stream_url(flac_track.id),
        params={"format": "ogg", "quality": "normal", "offset": str(offset)},
        headers=tx_headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-segue-offset"] == f"{offset:g}"
    out = tmp_path / "from-offset.ogg"
    out.write_bytes(response.content)
    probed = await probe_stream(out)
    assert probed["stream"]["codec_name"] == "vorbis"
    duration = float(probed["format"]["duration"])
    assert abs(duration - (flac_track.duration_ms / 1000 - offset)) < 0.15

    outside = await tx_app.client.get(
        stream_url(flac_track.id),
        params={"format": "ogg", "offset": "99999"},
        headers=tx_headers,
    )
    assert outside.status_code == 400
    assert "offset" in outside.json()["detail"]
