"""The Subsonic password: set over HTTP or the CLI, stored encrypted, never the login hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner

from segue.cli.main import build_cli
from segue.errors import ConfigError
from segue_subsonic.sealing import KEY_FILE, PASSWORD_SECRET

pytestmark = pytest.mark.anyio


def _token(password: str) -> dict[str, str]:
    return {"t": hashlib.md5((password + "s4lt").encode()).hexdigest(), "s": "s4lt"}


async def _ping(client: Any, user: str, password: str) -> dict[str, Any]:
    response = await client.get(
        "/rest/ping", params={"u": user, "v": "1.16.1", "c": "t", "f": "json", **_token(password)}
    )
    body: dict[str, Any] = response.json()["subsonic-response"]
    return body


async def test_password_is_stored_encrypted_with_a_key_file(subsonic: Any) -> None:
    context = subsonic.context
    admin = await context.catalog.get_user_by_name("admin")
    sealed = await context.catalog.get_user_secret(admin.id, PASSWORD_SECRET)
    assert sealed is not None and "subsonic-app-pass" not in sealed
    assert sealed != await context.catalog.get_password_hash(admin.id)
    key_file = context.data_dir / KEY_FILE
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"


async def test_set_and_remove_over_http(subsonic: Any, auth_headers: dict[str, str]) -> None:
    client = subsonic.client
    short = await client.put(
        "/api/v1/me/subsonic-password", json={"password": "short"}, headers=auth_headers
    )
    assert short.status_code == 400 and "password" in short.text
    anonymous = await client.put("/api/v1/me/subsonic-password", json={"password": "long-enough-1"})
    assert anonymous.status_code == 401
    changed = await client.put(
        "/api/v1/me/subsonic-password", json={"password": "long-enough-1"}, headers=auth_headers
    )
    assert changed.status_code == 204
    assert (await _ping(client, "admin", "long-enough-1"))["status"] == "ok"
    assert (await _ping(client, "admin", "subsonic-app-pass"))["error"]["code"] == 40
    removed = await client.delete("/api/v1/me/subsonic-password", headers=auth_headers)
    assert removed.status_code == 204
    assert (await _ping(client, "admin", "long-enough-1"))["error"]["code"] == 41


async def test_configured_key_is_used_and_a_bad_one_is_named(make_app: Any) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    extra = f'[plugins.subsonic]\nsecret_key = "{key}"\n'
    async with make_app(extra_config=extra) as app:
        login = await app.client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "admin-password-for-tests"}
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        done = await app.client.put(
            "/api/v1/me/subsonic-password", json={"password": "keyed-password"}, headers=headers
        )
        assert done.status_code == 204
        admin = await app.context.catalog.get_user_by_name("admin")
        sealed = await app.context.catalog.get_user_secret(admin.id, PASSWORD_SECRET)
        assert Fernet(key.encode()).decrypt(sealed.encode()) == b"keyed-password"
        assert not (app.data_dir / KEY_FILE).exists()
    with pytest.raises(ConfigError, match="secret_key is not a Fernet key"):
        async with make_app(extra_config='[plugins.subsonic]\nsecret_key = "nope"\n'):
            pass


async def test_cli_sets_the_password(segue_app: Any) -> None:
    config = str(segue_app.config_path)
    args = ["subsonic", "set-password", "admin", "--config", config]

    def run() -> Any:
        return CliRunner().invoke(build_cli(args), args, input="from-the-cli-1\n")

    result = await anyio.to_thread.run_sync(run)
    assert result.exit_code == 0, result.output
    assert "set" in result.output
    assert (await _ping(segue_app.client, "admin", "from-the-cli-1"))["status"] == "ok"
    unknown = ["subsonic", "set-password", "nobody", "--config", config]
    failed = await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(build_cli(unknown), unknown, input="from-the-cli-1\n")
    )
    assert failed.exit_code != 0 and "nobody" in failed.output


def test_key_file_is_made_once(tmp_path: Path) -> None:
    from segue_subsonic.sealing import _load_or_create_key

    first = _load_or_create_key(tmp_path / KEY_FILE)
    assert _load_or_create_key(tmp_path / KEY_FILE) == first
