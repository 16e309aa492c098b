"""Reports through the API, counted by the consumer, paid out through the admin API and CLI."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import anyio
import pytest
from click.testing import CliRunner, Result
from royalties_helpers import PLAYBACK_PLUGINS, count_published

from segue.cli.main import build_cli

pytestmark = pytest.mark.anyio

REPORT = "/api/v1/playback/report"
PAYOUT = "/api/v1/admin/royalties"


async def cli(runner: CliRunner, args: list[str]) -> Result:
    """Run ``segue ARGS`` in a thread (the command runs its own event loop)."""
    return await anyio.to_thread.run_sync(lambda: runner.invoke(build_cli(args), args))


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


async def reported_and_counted(make_app: Any) -> Any:
    """An app where the admin and a listener reported plays, all counted; yields the app."""
    running = make_app(extra_plugins=PLAYBACK_PLUGINS)
    app = await running.__aenter__()
    try:
        client = app.client
        login = await client.post(
            "/api/v1/auth/login",
            json={"username": "admin", "password": "admin-password-for-tests"},
        )
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        listed = (await client.get("/api/v1/tracks?sort=title", headers=admin)).json()["items"]
        first = listed[0]
        second = next(
            t
            for t in listed
            if t["artist_id"] != first["artist_id"] and t["label"] != first["label"]
        )
        tracks = [first, second]
        plays = [  # (track, listened ms, session, key)
            (tracks[0], 120_000, "s1", "k1"),
            (tracks[0], 120_000, "s1", "k2"),  # duplicate within 5 min
            (tracks[0], 5_000, "s2", "k3"),  # too short
            (tracks[1], 45_000, "s3", "k4"),
            (tracks[1], 45_000, "s3", "k4"),  # the same report sent twice
        ]
        ids = []
        for track, listened, session, key in plays:
            response = await client.post(
                REPORT,
                json={
                    "track_id": track["id"],
                    "duration_listened_ms": listened,
                    "completed": False,
                    "device_id": "web",
                    "session_id": session,
                },
                headers={**admin, "Idempotency-Key": key},
            )
            assert response.status_code == 202, response.text
            ids.append(response.json()["event_id"])
        await count_published(app.context)
        return running, app, admin, tracks, ids
    except BaseException:
        await running.__aexit__(None, None, None)
        raise


async def test_reports_are_counted_paid_and_audited(make_app: Any) -> None:
    running, app, admin, tracks, ids = await reported_and_counted(make_app)
    try:
        client = app.client
        day = today()
        response = await client.get(
            PAYOUT, params={"from": day, "to": day, "pool": "100"}, headers=admin
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ["from", "to", "pool", "currency", "total_streams", "rows"]
        assert (body["from"], body["to"], body["pool"], body["currency"]) == (
            day,
            day,
            "100.00",
            "EUR",
        )
        assert body["total_streams"] == 2
        assert sorted((r["holder"], r["streams"], r["amount"]) for r in body["rows"]) == sorted(
            [(tracks[0]["artist_name"], 1, "50.00"), (tracks[1]["artist_name"], 1, "50.00")]
        )

        audit = (await client.get(f"{PAYOUT}/events/{ids[1]}", headers=admin)).json()
        assert (audit["verdict"], audit["duplicate_of"]) == ("duplicate", ids[0])
        audit = (await client.get(f"{PAYOUT}/events/{ids[2]}", headers=admin)).json()
        assert audit["verdict"] == "too_short"
        assert ids[3] == ids[4]

        daily = await client.get(
            f"{PAYOUT}/daily", params={"from": day, "to": day, "kind": "track"}, headers=admin
        )
        assert {(d["holder_id"], d["streams"], d["listeners"]) for d in daily.json()} == {
            (tracks[0]["id"], 1, 1),
            (tracks[1]["id"], 1, 1),
        }
        flagged = await client.get(
            f"{PAYOUT}/flagged", params={"from": day, "to": day}, headers=admin
        )
        assert flagged.json()["plays"] == []
    finally:
        await running.__aexit__(None, None, None)

    # The same payout from the command line, on the same data dir.
    runner = CliRunner()
    args = ["royalties", "report", "--config", str(app.config_path), "--from", day, "--to", day]
    result = await cli(runner, [*args, "--pool", "100", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == body
    result = await cli(runner, [*args, "--pool", "9.99", "--by", "label"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "holder,streams,amount,currency"
    assert sorted(line.rsplit(",", 3)[2] for line in lines[1:]) == ["4.99", "5.00"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-01-31", "pool": "10"}, "from"),
        ({"from": "2026-13-01", "to": "2026-01-31", "pool": "10"}, "from"),
        ({"from": "2026-02-01", "to": "2026-01-31", "pool": "10"}, "from"),
        ({"from": "2026-01-01", "to": "2026-01-31", "pool": "ten"}, "pool"),
        ({"from": "2026-01-01", "to": "2026-01-31", "pool": "10", "by": "genre"}, "by"),
        ({"from": "2026-01-01", "to": "2026-01-31", "pool": "10", "currency": "E"}, "currency"),
        (
            {"from": "2026-01-01", "to": "2026-01-31", "pool": "10", "min_streams": -1},
            "min_streams",
        ),
    ],
)
async def test_bad_payout_queries_name_the_parameter(
    client: Any, auth_headers: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = await client.get(PAYOUT, params=params, headers=auth_headers)

    assert response.status_code == 400, response.text
    assert field in response.text


async def test_payouts_are_for_admins_only(client: Any, user_headers: dict[str, str]) -> None:
    params = {"from": "2026-01-01", "to": "2026-01-31", "pool": "10"}
    response = await client.get(PAYOUT, params=params, headers=user_headers)

    assert response.status_code == 403


async def test_an_event_never_counted_is_404(client: Any, auth_headers: dict[str, str]) -> None:
    response = await client.get(f"{PAYOUT}/events/nope", headers=auth_headers)

    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_cli_refuses_a_bad_pool_plainly(tmp_path: Any) -> None:
    config = tmp_path / "segue.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    args = ["royalties", "report", "--config", str(config), "--from", "2026-01-01"]
    result = CliRunner().invoke(build_cli(args), [*args, "--to", "2026-01-02", "--pool", "x"])

    assert result.exit_code == 2
    assert "pool" in result.output and "Traceback" not in result.output
