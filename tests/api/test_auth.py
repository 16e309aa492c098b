"""Login, tokens, API keys, logout, the auth middleware and the admin guard, over real HTTP."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.anyio

Client = AsyncTestClient[Litestar]
MakeApp = Any
Login = Any
Credentials = Any


async def test_login_returns_token_user_and_expiry(
    client: Client, admin_credentials: Credentials
) -> None:
    admin_name, admin_password = admin_credentials
    before = time.time()
    response = await client.post(
        "/api/v1/auth/login", json={"username": admin_name, "password": admin_password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["token"]) >= 40
    assert body["user"]["name"] == admin_name
    assert body["user"]["is_admin"] is True
    # token_ttl_days defaults to 30
    assert before + 29.9 * 86400 < body["expires_at"] < time.time() + 30.1 * 86400
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["name"] == admin_name


async def test_login_user_name_is_case_insensitive(
    client: Client, admin_credentials: Credentials, login: Login
) -> None:
    admin_name, admin_password = admin_credentials
    token = await login(client, admin_name.upper(), admin_password)
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == admin_name


@pytest.mark.parametrize("wrong", ["password", "user", "password suffix"])
async def test_bad_credentials_get_401_problem(
    client: Client, admin_credentials: Credentials, wrong: str
) -> None:
    username, password = admin_credentials
    if wrong == "password":
        password = "wrong-password"
    elif wrong == "user":
        username = "nobody"
    else:
        password += "x"
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "invalid username or password"
    assert "token" not in response.json()


async def test_login_with_malformed_body_is_400_naming_the_field(client: Client) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": "admin"})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert "password" in response.text


async def test_login_is_rate_limited_per_client(
    make_app: MakeApp, admin_credentials: Credentials
) -> None:
    admin_name, admin_password = admin_credentials
    limit = 3
    async with make_app(overrides={"auth.login_attempts_per_minute": limit}) as running:
        attempt = {"username": admin_name, "password": "wrong-password"}
        for _ in range(limit):
            response = await running.client.post("/api/v1/auth/login", json=attempt)
            assert response.status_code == 401
        response = await running.client.post("/api/v1/auth/login", json=attempt)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 429
        # Even the right password is refused until the window passes...
        right = {"username": admin_name, "password": admin_password}
        assert (await running.client.post("/api/v1/auth/login", json=right)).status_code == 429
        # ...while other endpoints are not limited.
        for _ in range(limit + 1):
            assert (await running.client.get("/api/v1/health")).status_code == 200


async def test_protected_endpoint_without_credentials_is_401_problem(client: Client) -> None:
    response = await client.get("/api/v1/tracks")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == 401
    assert "Authorization: Bearer" in body["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer not-a-real-token"},
        {"X-API-Key": "not-a-real-key"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
    ],
)
async def test_invalid_credentials_are_401(client: Client, headers: dict[str, str]) -> None:
    response = await client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]


async def test_public_endpoints_need_no_credentials(
    client: Client, admin_credentials: Credentials
) -> None:
    admin_name, admin_password = admin_credentials
    assert (await client.get("/api/v1/health")).status_code == 200
    assert (await client.get("/api/docs/openapi.json")).status_code == 200
    assert (await client.get("/api/docs/")).status_code == 200
    login_response = await client.post(
        "/api/v1/auth/login", json={"username": admin_name, "password": admin_password}
    )
    assert login_response.status_code == 200


async def test_token_in_query_string_authenticates(
    client: Client, admin_token: str, admin_credentials: Credentials
) -> None:
    response = await client.get("/api/v1/me", params={"token": admin_token})
    assert response.status_code == 200
    assert response.json()["name"] == admin_credentials.name
    assert (await client.get("/api/v1/me", params={"token": "nope"})).status_code == 401


async def test_api_key_lifecycle(
    client: Client, auth_headers: dict[str, str], admin_credentials: Credentials
) -> None:
    created = await client.post("/api/v1/me/api-keys", json={"name": "phone"}, headers=auth_headers)
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["name"] == "phone"
    assert len(key["key"]) >= 40

    # The key works as a bearer token, as X-API-Key and as ?token=.
    for kwargs in (
        {"headers": {"Authorization": f"Bearer {key['key']}"}},
        {"headers": {"X-API-Key": key["key"]}},
        {"params": {"token": key["key"]}},
    ):
        response = await client.get("/api/v1/me", **kwargs)
        assert response.status_code == 200, kwargs
        assert response.json()["name"] == admin_credentials.name

    listed = await client.get("/api/v1/me/api-keys", headers=auth_headers)
    assert listed.status_code == 200
    entries = listed.json()
    assert [e["id"] for e in entries] == [key["id"]]
    assert "key" not in entries[0] and key["key"] not in listed.text
    assert entries[0]["last_used_at"] is not None  # it was just used

    deleted = await client.delete(f"/api/v1/me/api-keys/{key['id']}", headers=auth_headers)
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/me", headers={"X-API-Key": key["key"]})).status_code == 401
    assert (await client.get("/api/v1/me/api-keys", headers=auth_headers)).json() == []
    again = await client.delete(f"/api/v1/me/api-keys/{key['id']}", headers=auth_headers)
    assert again.status_code == 404
    assert key["id"] in again.json()["detail"]


async def test_api_key_needs_a_name(client: Client, auth_headers: dict[str, str]) -> None:
    response = await client.post("/api/v1/me/api-keys", json={"name": ""}, headers=auth_headers)
    assert response.status_code == 400
    assert "name" in response.text


async def test_users_cannot_delete_each_others_keys(
    client: Client, auth_headers: dict[str, str], user_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/me/api-keys", json={"name": "admin's"}, headers=auth_headers
    )
    key_id = created.json()["id"]
    response = await client.delete(f"/api/v1/me/api-keys/{key_id}", headers=user_headers)
    assert response.status_code == 404
    assert (
        await client.get("/api/v1/me", headers={"X-API-Key": created.json()["key"]})
    ).status_code == 200


async def test_logout_revokes_only_the_token_used(
    client: Client, admin_credentials: Credentials, login: Login
) -> None:
    admin_name, admin_password = admin_credentials
    first = await login(client, admin_name, admin_password)
    second = await login(client, admin_name, admin_password)
    response = await client.post(
        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"}
    )
    assert response.status_code == 204
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
    ).status_code == 401
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})
    ).status_code == 200


async def test_expired_token_is_refused(
    make_app: MakeApp, admin_credentials: Credentials, login: Login
) -> None:
    admin_name, admin_password = admin_credentials
    # A negative lifetime makes every new token already expired.
    async with make_app(overrides={"auth.token_ttl_days": -1.0}) as running:
        token = await login(running.client, admin_name, admin_password)
        response = await running.client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]


async def test_admin_guard(
    client: Client,
    auth_headers: dict[str, str],
    user_headers: dict[str, str],
    user_credentials: Credentials,
) -> None:
    me = await client.get("/api/v1/me", headers=user_headers)
    assert me.json() == {**me.json(), "name": user_credentials.name, "is_admin": False}
    for path in ("/api/v1/admin/users", "/api/v1/admin/plugins", "/metrics"):
        denied = await client.get(path, headers=user_headers)
        assert denied.status_code == 403, path
        assert denied.headers["content-type"].startswith("application/problem+json")
        assert "administrators" in denied.json()["detail"]
        assert (await client.get(path, headers=auth_headers)).status_code == 200, path
        assert (await client.get(path)).status_code == 401, path


async def test_admin_creates_users_with_checks(
    client: Client, auth_headers: dict[str, str], admin_credentials: Credentials
) -> None:
    created = await client.post(
        "/api/v1/admin/users",
        json={"name": "dj", "password": "long-enough", "is_admin": True},
        headers=auth_headers,
    )
    assert created.status_code == 201
    assert created.json()["is_admin"] is True
    names = [
        u["name"] for u in (await client.get("/api/v1/admin/users", headers=auth_headers)).json()
    ]
    assert sorted(names) == sorted([admin_credentials.name, "dj"])

    duplicate = await client.post(
        "/api/v1/admin/users", json={"name": "DJ", "password": "long-enough"}, headers=auth_headers
    )
    assert duplicate.status_code == 409
    short = await client.post(
        "/api/v1/admin/users", json={"name": "kid", "password": "short"}, headers=auth_headers
    )
    assert short.status_code == 400
    assert "at least 8" in short.json()["detail"]
    spaced = await client.post(
        "/api/v1/admin/users",
        json={"name": "two words", "password": "long-enough"},
        headers=auth_headers,
    )
    assert spaced.status_code == 400
    assert "two words" in spaced.json()["detail"]


async def test_admin_lists_plugins(client: Client, auth_headers: dict[str, str]) -> None:
    response = await client.get("/api/v1/admin/plugins", headers=auth_headers)
    records = {r["name"]: r for r in response.json()}
    assert records["segue.api.catalog"]["core"] is True
    assert records["catalog-sqlite"]["status"] == "enabled"
    assert "catalog:sqlite" in records["catalog-sqlite"]["backends"]
