"""Loudness: measured once (EBU R128), gains in track JSON, ReplayGain tags, the job queue."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from transcoder_helpers import LADDER, demo_tracks, settle, transcoder_config, wait_until

from segue.models import ScanChanges, ScannedTrack, Track
from segue_transcoder.ffmpeg import find_tool
from segue_transcoder.service import Transcoder, transcoder_of

pytestmark = pytest.mark.anyio

TARGET = -14.0


async def loudnorm_integrated(path: Path) -> float:
    """ffmpeg's own measurement (the loudnorm filter's first pass), independent of ours."""
    measure = ["-af", "loudnorm=print_format=json", "-f", "null", "-"]
    result = await anyio.run_process(
        [find_tool("ffmpeg"), "-hide_banner", "-nostdin", "-i", str(path), *measure]
    )
    text = result.stderr.decode()
    report = json.loads(text[text.rindex("{") : text.rindex("}") + 1])
    return float(report["input_i"])


async def track_json(running: Any, headers: dict[str, str], track_id: str) -> dict[str, Any]:
    response = await running.client.get(f"/api/v1/tracks/{track_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_gain_matches_ffmpegs_measurement(
    tx_app: Any, tx_headers: dict[str, str], service: Transcoder
) -> None:
    tracks = sorted(await demo_tracks(tx_app.context), key=lambda t: t.id)[:3]
    for track in tracks:
        before = (await track_json(tx_app, tx_headers, track.id))["extra"].get("loudness")
        assert before is None or before["source"] == "replaygain"  # the demo has RG tags
        result = await service.process(track, encode_ladder=False)
        assert result.outcome == "measured"

        loudness = (await track_json(tx_app, tx_headers, track.id))["extra"]["loudness"]
        expected = await loudnorm_integrated(Path(track.root) / track.relpath)
        assert loudness["source"] == "ebur128"
        assert loudness["target_lufs"] == TARGET
        assert abs(loudness["integrated_lufs"] - expected) <= 0.5
        assert abs(loudness["track_gain_db"] - (TARGET - expected)) <= 0.5
        assert loudness["true_peak_dbfs"] <= 0.5
        # Measured once: asking again finds nothing to do.
        assert (await service.process(track, encode_ladder=False)).outcome == "up_to_date"


async def test_album_gain_comes_from_the_albums_tracks(
    tx_app: Any, tx_headers: dict[str, str], service: Transcoder
) -> None:
    by_album: dict[str, list[Track]] = {}
    for track in await demo_tracks(tx_app.context):
        if track.album_id:
            by_album.setdefault(track.album_id, []).append(track)
    album = max(by_album.values(), key=len)
    assert len(album) >= 2
    for track in album:
        await service.process(track, encode_ladder=False)
    gains = []
    album_gains = set()
    for track in album:
        loudness = (await track_json(tx_app, tx_headers, track.id))["extra"]["loudness"]
        gains.append(loudness["track_gain_db"])
        album_gains.add(loudness["album_gain_db"])
    [album_gain] = album_gains  # one value for the whole album
    assert min(gains) - 0.01 <= album_gain <= max(gains) + 0.01


async def test_replaygain_tags_are_used_when_not_measured(
    tx_app: Any, tx_headers: dict[str, str], demo_library: Path
) -> None:
    scanned = ScannedTrack(
        root=str(demo_library),
        relpath="tagged-elsewhere.flac",
        size=10,
        mtime_ns=time.time_ns(),
        content_key="rg-test",
        codec="flac",
        duration_ms=1000,
        title="Tagged",
        replaygain_track_gain=-6.5,
        replaygain_track_peak=0.5,
        replaygain_album_gain=-7.0,
    )
    applied = await tx_app.context.catalog.apply_scan(
        ScanChanges(root=str(demo_library), added=[scanned])
    )
    [track] = applied.added

    loudness = (await track_json(tx_app, tx_headers, track.id))["extra"]["loudness"]

    # ReplayGain 2.0 aims at -18 LUFS; the target here is 4 dB louder.
    assert loudness["source"] == "replaygain"
    assert loudness["track_gain_db"] == pytest.approx(-2.5)
    assert loudness["album_gain_db"] == pytest.approx(-3.0)
    assert loudness["integrated_lufs"] == pytest.approx(-11.5)
    assert loudness["true_peak_dbfs"] == pytest.approx(-6.02, abs=0.01)


async def test_new_tracks_are_queued_and_processed_through_the_events_slot(
    make_app: Any, login: Any
) -> None:
    config = transcoder_config(modes=["pre_encode", "on_demand"], analyze_on_ingest=True)
    async with make_app(
        extra_config=config, overrides={"events.run_consumers_in_server": True}
    ) as running:
        token = await login(running.client, "admin", "admin-password-for-tests")
        headers = {"Authorization": f"Bearer {token}"}
        service = transcoder_of(running.context)
        [track] = sorted(await demo_tracks(running.context), key=lambda t: t.id)[:1]

        # What a scan does for a changed file: the hook publishes a job on the events slot.
        await running.context.notify("catalog_tracks_changed", tracks=[track])

        async def encoded() -> bool:
            return not await service.missing_steps(track)

        async def measured() -> bool:
            loudness = (await track_json(running, headers, track.id))["extra"].get("loudness")
            return bool(loudness) and loudness["source"] == "ebur128"

        await wait_until(encoded, 30, "the queued job to encode the ladder")
        await wait_until(measured, 10, "the measurement in track JSON")
        status = await running.client.get("/api/v1/admin/transcoder", headers=headers)

    for step in LADDER:
        found = await service.store.find(track, step)
        assert found is not None and found.kept
    assert status.status_code == 200
    assert status.json()["modes"] == ["pre_encode", "on_demand"]


async def test_the_first_play_measures_loudness_too(
    tx_app: Any, tx_headers: dict[str, str], flac_track: Track
) -> None:
    response = await tx_app.client.get(
        f"/api/v1/tracks/{flac_track.id}/stream",
        params={"format": "ogg", "quality": "normal"},
        headers=tx_headers,
    )
    assert response.status_code == 200
    await settle(tx_app)

    loudness = (await track_json(tx_app, tx_headers, flac_track.id))["extra"]["loudness"]
    expected = await loudnorm_integrated(Path(flac_track.root) / flac_track.relpath)
    assert loudness["source"] == "ebur128"
    assert abs(loudness["track_gain_db"] - (TARGET - expected)) <= 0.5
