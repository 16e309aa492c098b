"""The first admin account: created once, on the first start of a server with no users."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from segue.app import create_app
from segue.runtime import load, open_context

pytestmark = pytest.mark.anyio

PRINTED = re.compile(
    r"Created admin user '(?P<name>[^']+)' with password: (?P<password>\S+)\n"
    r"\(shown once; change it with `segue user passwd (?P=name)`\)"
)
NO_PASSWORD = {"auth.admin_password": ""}


async def restart(config_path: Path) -> AsyncTestClient[Any]:
    _raw, _plugins, context = load(config_path, overrides=NO_PASSWORD, role="server")
    return AsyncTestClient(app=create_app(context))


async def test_generated_admin_password_is_printed_once_and_works(
    make_app: Any, login: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    async with make_app(scanned=False, overrides=NO_PASSWORD) as running:
        printed = capsys.readouterr().out
        found = PRINTED.search(printed)
        assert found, printed
        assert found["name"] == "admin"
        password = found["password"]
        assert len(password) >= 12
        token = await login(running.client, "admin", password)
        me = await running.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["is_admin"] is True
        assert printed.count(password) == 1  # the log line does not repeat it
        config_path = running.config_path

    # A restart on the same data: nothing created, nothing printed, same password.
    async with await restart(config_path) as client:
        assert "Created admin user" not in capsys.readouterr().out
        await login(client, "admin", password)
        users = await client.get(
            "/api/v1/admin/users",
            headers={"Authorization": f"Bearer {await login(client, 'admin', password)}"},
        )
        assert [u["name"] for u in users.json()] == ["admin"]


async def test_configured_admin_name_and_password(make_app: Any, login: Any, capsys: Any) -> None:
    overrides = {"auth.admin_user": "boss", "auth.admin_password": "configured-secret"}
    async with make_app(scanned=False, overrides=overrides) as running:
        assert "Created admin user" not in capsys.readouterr().out
        await login(running.client, "boss", "configured-secret")


async def test_too_short_configured_password_creates_nobody(make_app: Any, capsys: Any) -> None:
    async with make_app(scanned=False, overrides={"auth.admin_password": "short"}) as running:
        assert await running.context.catalog.count_users() == 0
        logged = capsys.readouterr()
        assert "no admin user created" in logged.out + logged.err
        assert "at least 8" in logged.out + logged.err


async def test_commands_other_than_serve_create_no_admin(make_app: Any, tmp_path: Path) -> None:
    async with make_app(scanned=False, overrides=NO_PASSWORD) as running:
        config_path = running.config_path
        # The server made one; wipe the data to start from nothing again.
        assert await running.context.catalog.count_users() == 1
    fresh = tmp_path / "fresh.toml"
    fresh.write_text(
        config_path.read_text().replace(str(running.data_dir), str(tmp_path / "fresh-data"))
    )
    async with open_context(fresh, overrides=NO_PASSWORD) as context:
        assert context.role == "cli"
        assert await context.catalog.count_users() == 0
