"""Serving bytes over HTTP with validators, conditional requests and Range (206, 416, 304).

:func:`plan_response` decides, from the request headers and what is known of
the representation (size, ETag, Last-Modified), the status, the headers and
the body as a list of literal bytes and byte ranges. :func:`byte_range_response`
turns a plan into a Litestar response that reads the ranges through an async
reader. Original files and transcoded renditions use the same code.

Choices: ``Range`` applies to GET only (RFC 9110 section 14.2), so HEAD
answers as GET without Range would; several ranges are merged when they
overlap or touch, and what remains is sent as ``multipart/byteranges``.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

import msgspec
from litestar.response import Stream

from segue.http.conditional import evaluate_preconditions, format_http_date, if_range_holds
from segue.http.ranges import ByteRange, RangeNotSatisfiable, parse_range

ByteReader = Callable[[int, int], AsyncIterator[bytes]]
"""``read(start, end)`` yields the bytes ``start`` to ``end`` inclusive."""

BodyPart = bytes | ByteRange


@dataclass(frozen=True, kw_only=True)
class Representation:
    """What a response needs to know about the bytes it serves."""

    size: int
    media_type: str
    etag: str | None = None
    """A strong validator, quotes included (``"1f-5e2"``)."""
    mtime: float | None = None
    """Last modification, seconds since the epoch (sent as Last-Modified)."""

    @property
    def last_modified(self) -> int | None:
        """Last-Modified in whole seconds, as HTTP dates carry it."""
        return None if self.mtime is None else int(self.mtime)


@dataclass(frozen=True, kw_only=True)
class ResponsePlan:
    """What to answer: the status, the headers and the body (literal bytes and ranges)."""

    status: int
    headers: dict[str, str]
    body: list[BodyPart] = field(default_factory=list)
    media_type: str | None = None

    @property
    def content_length(self) -> int:
        return sum(len(p) if isinstance(p, bytes) else p.length for p in self.body)


def plan_response(
    headers: Mapping[str, str],
    method: str,
    representation: Representation,
    *,
    extra_headers: Mapping[str, str] | None = None,
) -> ResponsePlan:
    """Decide the answer to a GET or HEAD for ``representation``.

    ``headers`` are the request headers (looked up by lowercase name).
    ``extra_headers`` (Cache-Control...) are added to every answer.
    """
    method = method.upper()
    rep = representation
    base = {"accept-ranges": "bytes", **(extra_headers or {})}
    if rep.etag is not None:
        base["etag"] = rep.etag
    if rep.last_modified is not None:
        base["last-modified"] = format_http_date(rep.last_modified)

    verdict = evaluate_preconditions(
        headers, method, etag=rep.etag, last_modified=rep.last_modified
    )
    if verdict == "not_modified":
        return ResponsePlan(status=304, headers=base)
    if verdict == "precondition_failed":
        return _problem(
            412,
            "Precondition Failed",
            "the file changed: its validators no longer match If-Match/If-Unmodified-Since",
            base,
        )

    ranges: list[ByteRange] | None = None
    range_header = headers.get("range")
    if method == "GET" and range_header is not None:
        if_range = headers.get("if-range")
        if if_range is None or if_range_holds(
            if_range, etag=rep.etag, last_modified=rep.last_modified
        ):
            try:
                ranges = parse_range(range_header, rep.size)
            except RangeNotSatisfiable as exc:
                return _problem(
                    416,
                    "Range Not Satisfiable",
                    str(exc),
                    {**base, "content-range": f"bytes */{rep.size}"},
                )

    if ranges is None:
        body: list[BodyPart] = [ByteRange(0, rep.size - 1)] if rep.size else []
        plan = ResponsePlan(status=200, headers=base, body=body, media_type=rep.media_type)
    elif len(ranges) == 1:
        plan = ResponsePlan(
            status=206,
            headers={**base, "content-range": ranges[0].content_range(rep.size)},
            body=list(ranges),
            media_type=rep.media_type,
        )
    else:
        plan = _multipart(ranges, rep, base)
    plan.headers["content-length"] = str(plan.content_length)
    return plan


def _multipart(ranges: list[ByteRange], rep: Representation, base: dict[str, str]) -> ResponsePlan:
    boundary = secrets.token_hex(16)
    body: list[BodyPart] = []
    for index, byte_range in enumerate(ranges):
        delimiter = f"--{boundary}" if index == 0 else f"\r\n--{boundary}"
        part_headers = (
            f"{delimiter}\r\ncontent-type: {rep.media_type}\r\n"
            f"content-range: {byte_range.content_range(rep.size)}\r\n\r\n"
        )
        body += [part_headers.encode("latin-1"), byte_range]
    body.append(f"\r\n--{boundary}--\r\n".encode("latin-1"))
    return ResponsePlan(
        status=206,
        headers=base,
        body=body,
        media_type=f"multipart/byteranges; boundary={boundary}",
    )


def _problem(status: int, title: str, detail: str, headers: dict[str, str]) -> ResponsePlan:
    body = msgspec.json.encode({"title": title, "status": status, "detail": detail})
    return ResponsePlan(
        status=status, headers=headers, body=[body], media_type="application/problem+json"
    )


def byte_range_response(
    headers: Mapping[str, str],
    method: str,
    representation: Representation,
    read: ByteReader,
    *,
    extra_headers: Mapping[str, str] | None = None,
) -> Stream:
    """The Litestar response to a GET or HEAD of ``representation``, ranges included.

    ``read(start, end)`` is only called while the body is sent, never for
    HEAD, 304, 412 or 416 answers.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    plan = plan_response(lowered, method, representation, extra_headers=extra_headers)
    send_body = method.upper() != "HEAD"
    return Stream(
        _body(plan.body, read) if send_body else _nothing(),
        status_code=plan.status,
        headers=plan.headers,
        media_type=plan.media_type,
    )


async def _body(parts: list[BodyPart], read: ByteReader) -> AsyncIterator[bytes]:
    for part in parts:
        if isinstance(part, bytes):
            yield part
        else:
            async for chunk in read(part.start, part.end):
                yield chunk


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield  # an async generator that yields nothing
