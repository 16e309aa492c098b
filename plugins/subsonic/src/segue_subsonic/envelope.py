"""The Subsonic response envelope, in XML, JSON and JSONP, and the protocol's errors.

Payloads are built once as plain data and rendered in the format asked for:

* a ``dict`` is an element: scalar values are its attributes, ``dict``
  values single child elements, ``list`` values repeated child elements;
* the key ``value`` holding a string is the element's text (lyrics), which
  JSON keeps as a ``"value"`` field, as the spec's JSON shapes do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import IntEnum
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from litestar import Response

API_VERSION = "1.16.1"
"""The Subsonic REST API version Segue speaks."""
SERVER_TYPE = "segue"
XMLNS = "http://subsonic.org/restapi"
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,99}$")
# Characters XML 1.0 cannot carry at all (a stray control byte in a tag must not break a reply).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Payload = dict[str, Any]


class ErrorCode(IntEnum):
    """The Subsonic error codes (https://opensubsonic.netlify.app/docs/responses/error/)."""

    GENERIC = 0
    MISSING_PARAMETER = 10
    CLIENT_TOO_OLD = 20
    SERVER_TOO_OLD = 30
    WRONG_CREDENTIALS = 40
    TOKEN_AUTH_NOT_SUPPORTED = 41
    AUTH_MECHANISM_NOT_SUPPORTED = 42
    CONFLICTING_AUTH = 43
    INVALID_API_KEY = 44
    NOT_AUTHORIZED = 50
    NOT_FOUND = 70


class SubsonicError(Exception):
    """An error answered as a ``status="failed"`` envelope (HTTP 200, as the spec wants)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def missing(name: str) -> SubsonicError:
    return SubsonicError(ErrorCode.MISSING_PARAMETER, f"Required parameter is missing: {name}")


def not_found(what: str) -> SubsonicError:
    return SubsonicError(ErrorCode.NOT_FOUND, f"The requested data was not found: {what}")


def bad_value(name: str, value: str, expected: str) -> SubsonicError:
    # The spec has no "invalid value" code: 0 (generic) with a message naming the fix.
    return SubsonicError(
        ErrorCode.GENERIC, f"Parameter {name}={value!r} is not valid: expected {expected}"
    )


class Format:
    """How a response is written: ``f=xml`` (default), ``json`` or ``jsonp``."""

    def __init__(self, name: str, callback: str | None = None) -> None:
        self.name = name
        self.callback = callback

    @classmethod
    def parse(cls, f: str | None, callback: str | None) -> Format:
        name = (f or "xml").strip().lower()
        if name == "jsonp":
            if not callback or not _CALLBACK.match(callback):
                # Answered in JSON: without a usable callback there is no JSONP to write.
                raise FormatError(
                    Format("json"),
                    missing("callback (a JavaScript function name, needed with f=jsonp)"),
                )
            return cls("jsonp", callback)
        if name not in ("xml", "json"):
            raise FormatError(Format("xml"), bad_value("f", name, "xml, json or jsonp"))
        return cls(name)


class FormatError(Exception):
    def __init__(self, fallback: Format, error: SubsonicError) -> None:
        super().__init__(error.message)
        self.fallback = fallback
        self.error = error


def _header(status: str, server_version: str) -> dict[str, Any]:
    return {
        "status": status,
        "version": API_VERSION,
        "type": SERVER_TYPE,
        "serverVersion": server_version,
        "openSubsonic": True,
    }


def ok_body(payload: Mapping[str, Any], server_version: str) -> dict[str, Any]:
    return {**_header("ok", server_version), **payload}


def error_body(error: SubsonicError, server_version: str) -> dict[str, Any]:
    return {
        **_header("failed", server_version),
        "error": {"code": int(error.code), "message": error.message},
    }


def render(body: Mapping[str, Any], fmt: Format) -> Response[bytes]:
    """The envelope ``body`` (root attributes and children) as an HTTP response."""
    if fmt.name == "xml":
        text = '<?xml version="1.0" encoding="UTF-8"?>' + _element(
            "subsonic-response", body, root=True
        )
        return Response(text.encode(), media_type="application/xml; charset=utf-8")
    document = json.dumps({"subsonic-response": body}, ensure_ascii=False, separators=(",", ":"))
    if fmt.name == "jsonp":
        text = f"{fmt.callback}({document});"
        return Response(text.encode(), media_type="application/javascript; charset=utf-8")
    return Response(document.encode(), media_type="application/json")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(name: str, node: Mapping[str, Any], *, root: bool = False) -> str:
    attributes = [f' xmlns="{XMLNS}"'] if root else []
    children: list[str] = []
    text = ""
    for key, value in node.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            children.append(_element(key, value))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping):
                    children.append(_element(key, item))
                else:  # lists of plain values (e.g. a song's genres as names)
                    children.append(f"<{key}>{escape(_scalar(item))}</{key}>")
        elif key == "value" and isinstance(value, str):
            text = escape(_scalar(value))
        else:
            attributes.append(f" {key}={quoteattr(_scalar(value))}")
    inner = "".join(children) + text
    if not inner:
        return f"<{name}{''.join(attributes)}/>"
    return f"<{name}{''.join(attributes)}>{inner}</{name}>"
