"""The Subsonic protocol: envelope in XML/JSON/JSONP, .view paths, form posts, auth, errors."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from subsonic_helpers import children, xml_root

pytestmark = pytest.mark.anyio


async def test_ping_envelope_in_json(subsonic: Any) -> None:
    body = await subsonic.ok("ping")
    assert body["version"] == "1.16.1"
    assert body["type"] == "segue"
    assert body["openSubsonic"] is True
    assert isinstance(body["serverVersion"], str) and body["serverVersion"]


async def test_ping_envelope_in_xml_is_the_default(subsonic: Any) -> None:
    query = subsonic.auth()  # no f: XML
    response = await subsonic.client.get("/rest/ping", params=query)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = xml_root(response.text)
    assert root.attrib["status"] == "ok" and children(root) == []


async def test_view_suffix_and_bare_method_are_the_same(subsonic: Any) -> None:
    bare = await subsonic.call("getGenres")
    view = await subsonic.call("getGenres.view")
    assert bare.json()["subsonic-response"]["genres"] == view.json()["subsonic-response"]["genres"]


async def test_form_post_body_is_read(subsonic: Any) -> None:
    form = {
        **subsonic.auth(),
        "f": "json",
        "id": (await subsonic.ok("getArtists"))["artists"]["index"][0]["artist"][0]["id"],
    }
    response = await subsonic.client.post("/rest/getArtist.view", data=form)
    assert response.status_code == 200
    body = response.json()["subsonic-response"]
    assert body["status"] == "ok" and body["artist"]["id"] == form["id"]


async def test_jsonp_wraps_the_json_in_the_callback(subsonic: Any) -> None:
    response = await subsonic.call("ping", f="jsonp", callback="handle")
    assert response.headers["content-type"].startswith("application/javascript")
    text = response.text
    assert text.startswith("handle(") and text.endswith(");")
    assert json.loads(text[len("handle(") : -2])["subsonic-response"]["status"] == "ok"


async def test_jsonp_without_callback_is_error_10_in_json(subsonic: Any) -> None:
    response = await subsonic.call("ping", f="jsonp")
    body = response.json()["subsonic-response"]
    assert body["status"] == "failed" and body["error"]["code"] == 10
    assert "callback" in body["error"]["message"]


async def test_unknown_format_is_answered_in_xml(subsonic: Any) -> None:
    response = await subsonic.call("ping", f="yaml")
    root = xml_root(response.text)
    error = root.find("{http://subsonic.org/restapi}error")
    assert error is not None and error.attrib["code"] == "0"
    assert "xml, json or jsonp" in error.attrib["message"]


async def test_errors_in_xml_carry_code_and_message(subsonic: Any) -> None:
    response = await subsonic.call("getAlbum", f="xml", id="al-nope")
    assert response.status_code == 200
    root = xml_root(response.text)
    assert root.attrib["status"] == "failed"
    (error,) = list(root)
    assert error.attrib["code"] == "70" and "al-nope" in error.attrib["message"]


async def test_unknown_method_is_error_0_not_a_500(subsonic: Any) -> None:
    for f in ("json", "xml"):
        response = await subsonic.call("getPodcasts", f=f)
        assert response.status_code == 404
        if f == "json":
            error = response.json()["subsonic-response"]["error"]
            assert error["code"] == 0 and "getPodcasts" in error["message"]
        else:
            assert xml_root(response.text).attrib["status"] == "failed"


async def test_extensions_need_no_auth(subsonic: Any) -> None:
    response = await subsonic.call("getOpenSubsonicExtensions", auth=False)
    body = response.json()["subsonic-response"]
    names = {e["name"] for e in body["openSubsonicExtensions"]}
    assert {"formPost", "apiKeyAuthentication", "transcodeOffset", "songLyrics"} <= names
    xml = await subsonic.call("getOpenSubsonicExtensions", auth=False, f="xml")
    assert children(xml_root(xml.text)) == ["openSubsonicExtensions"] * len(names)


# --- authentication ---------------------------------------------------------------
def _token(password: str, salt: str = "abc123") -> dict[str, str]:
    return {"t": hashlib.md5((password + salt).encode()).hexdigest(), "s": salt}


async def _raw(subsonic: Any, params: dict[str, Any]) -> dict[str, Any]:
    response = await subsonic.client.get(
        "/rest/ping", params={"f": "json", "v": "1.16.1", "c": "t", **params}
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()["subsonic-response"]
    return body


async def test_token_auth_checks_the_subsonic_password(subsonic: Any) -> None:
    good = await _raw(subsonic, {"u": "admin", **_token("subsonic-app-pass")})
    assert good["status"] == "ok"
    bad = await _raw(subsonic, {"u": "admin", **_token("wrong")})
    assert bad["error"]["code"] == 40
    nobody = await _raw(subsonic, {"u": "nobody", **_token("subsonic-app-pass")})
    assert nobody["error"]["code"] == 40


async def test_token_auth_without_a_subsonic_password_is_41(
    subsonic: Any, user_headers: dict[str, str], user_credentials: Any
) -> None:
    body = await _raw(subsonic, {"u": user_credentials.name, **_token(user_credentials.password)})
    assert body["error"]["code"] == 41
    assert "subsonic-password" in body["error"]["message"]


async def test_password_auth_plain_and_hex(subsonic: Any) -> None:
    plain = await _raw(subsonic, {"u": "admin", "p": "subsonic-app-pass"})
    assert plain["status"] == "ok"
    hexed = "enc:" + b"subsonic-app-pass".hex()
    assert (await _raw(subsonic, {"u": "admin", "p": hexed}))["status"] == "ok"
    assert (await _raw(subsonic, {"u": "admin", "p": "nope"}))["error"]["code"] == 40
    assert (await _raw(subsonic, {"u": "admin", "p": "enc:zz"}))["error"]["code"] == 40


async def test_login_password_works_with_p(subsonic: Any, admin_credentials: Any) -> None:
    body = await _raw(subsonic, {"u": "admin", "p": admin_credentials.password})
    assert body["status"] == "ok"


async def test_api_key_auth(subsonic: Any, auth_headers: dict[str, str]) -> None:
    created = await subsonic.client.post(
        "/api/v1/me/api-keys", json={"name": "phone"}, headers=auth_headers
    )
    key = created.json()["key"]
    assert (await _raw(subsonic, {"apiKey": key}))["status"] == "ok"
    assert (await _raw(subsonic, {"apiKey": "not-a-key"}))["error"]["code"] == 44
    assert (await _raw(subsonic, {"apiKey": key, "u": "admin"}))["error"]["code"] == 43


async def test_conflicting_and_missing_credentials(subsonic: Any) -> None:
    both = await _raw(subsonic, {"u": "admin", "p": "x", **_token("y")})
    assert both["error"]["code"] == 43
    assert (await _raw(subsonic, {}))["error"]["code"] == 10
    assert (await _raw(subsonic, {"u": "admin"}))["error"]["code"] == 10
    assert (await _raw(subsonic, {"u": "admin", "t": "abc"}))["error"]["code"] == 10


async def test_version_is_required_and_checked(subsonic: Any) -> None:
    query = {k: v for k, v in subsonic.auth().items() if k != "v"}
    missing = await subsonic.client.get("/rest/ping", params={**query, "f": "json"})
    assert missing.json()["subsonic-response"]["error"]["code"] == 10
    too_new = await subsonic.client.get("/rest/ping", params={**query, "f": "json", "v": "2.0.0"})
    assert too_new.json()["subsonic-response"]["error"]["code"] == 30
    too_old = await subsonic.client.get("/rest/ping", params={**query, "f": "json", "v": "0.9.0"})
    assert too_old.json()["subsonic-response"]["error"]["code"] == 20


async def test_segue_bearer_auth_does_not_guard_rest(subsonic: Any) -> None:
    # No Authorization header, no token: Subsonic's own auth answers, not a 401 problem.
    response = await subsonic.client.get("/rest/ping", params={"f": "json", "v": "1.16.1"})
    assert response.status_code == 200
    assert response.json()["subsonic-response"]["error"]["code"] == 10


async def test_admin_only_methods_refuse_users_with_50(
    subsonic: Any, user_headers: dict[str, str], user_credentials: Any
) -> None:
    listener = type(subsonic)(
        client=subsonic.client,
        context=subsonic.context,
        username=user_credentials.name,
        password=user_credentials.password,
    )
    # The listener authenticates with the login password (p=), accepted by default.
    for method, params in (
        ("getScanStatus", {}),
        ("startScan", {}),
        ("getUser", {"username": "admin"}),
    ):
        response = await subsonic.client.get(
            f"/rest/{method}",
            params={
                "u": listener.username,
                "p": listener.password,
                "v": "1.16.1",
                "c": "t",
                "f": "json",
                **params,
            },
        )
        assert response.json()["subsonic-response"]["error"]["code"] == 50, method


def test_xml_drops_characters_xml_cannot_carry() -> None:
    import xml.etree.ElementTree as ET

    from segue_subsonic.envelope import Format, ok_body, render

    body = ok_body({"song": {"id": "t1", "title": "bad\x01byte & <tag>"}}, "1")
    content = render(body, Format("xml")).content
    assert isinstance(content, bytes)
    text = content.decode()
    song = ET.fromstring(text)[0]
    assert song.attrib["title"] == "badbyte & <tag>"


async def test_login_password_is_remembered_only_when_right(subsonic: Any) -> None:
    from segue_subsonic.auth import _remembered

    assert (await _raw(subsonic, {"u": "admin", "p": "admin-password-for-tests"}))["status"] == "ok"
    memory = _remembered[subsonic.context]
    assert len(memory.until) == 1
    assert (await _raw(subsonic, {"u": "admin", "p": "admin-password-for-tests"}))["status"] == "ok"
    assert (await _raw(subsonic, {"u": "admin", "p": "wrong-password"}))["error"]["code"] == 40
    assert len(memory.until) == 1


async def test_failed_logins_are_limited_per_address(make_app: Any) -> None:
    async with make_app(overrides={"auth.login_attempts_per_minute": 3}) as app:
        base = {"u": "admin", "v": "1.16.1", "c": "t", "f": "json"}

        async def code(password: str) -> int | None:
            response = await app.client.get("/rest/ping", params={**base, "p": password})
            body = response.json()["subsonic-response"]
            return None if body["status"] == "ok" else int(body["error"]["code"])

        assert await code("admin-password-for-tests") is None
        assert [await code("guess") for _ in range(3)] == [40, 40, 40]
        response = await app.client.get(
            "/rest/ping", params={**base, "p": "admin-password-for-tests"}
        )
        error = response.json()["subsonic-response"]["error"]
        assert error["code"] == 40 and "too many failed attempts" in error["message"]
