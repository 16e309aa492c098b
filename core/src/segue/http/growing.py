"""Serving bytes that are still being written (a live transcode), Range included.

The final size is unknown until the writer finishes, so:

* a GET without ``Range`` (or ``Range: bytes=0-``, what browsers send first)
  gets 200 at once and the bytes as they are written (no Content-Length);
* a closed range ``bytes=a-b`` gets 206 with ``Content-Range: bytes a-b/*``
  (RFC 9110 allows ``*`` for an unknown complete length) as soon as the
  bytes up to ``b`` exist, or the ordinary answer if the writer finished first;
* anything that needs the size (open ranges, suffix ranges, several ranges,
  conditional requests) waits until the writer finishes and is then served
  as a complete representation by :func:`segue.http.byte_serving.byte_range_response`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Protocol

from litestar.response import Stream

from segue.http.byte_serving import ByteReader, Representation, byte_range_response

_CLOSED_RANGE = re.compile(r"\s*bytes\s*=\s*([0-9]+)-([0-9]+)\s*", re.ASCII | re.IGNORECASE)
_FROM_START = re.compile(r"\s*bytes\s*=\s*0-\s*", re.ASCII | re.IGNORECASE)
_CONDITIONAL = ("if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range")


class GrowingBytes(Protocol):
    """A representation being written: how much exists, and a way to wait for more."""

    @property
    def written(self) -> int:
        """Bytes written so far."""
        ...

    @property
    def finished(self) -> bool:
        """The writer is done (successfully or not)."""
        ...

    async def wait_for(self, size: int) -> None:
        """Return once ``size`` bytes exist or the writer finished."""
        ...

    def read(self, start: int, end: int | None) -> AsyncIterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive (None: to the end), waiting for them."""
        ...


Complete = Callable[[], Awaitable[tuple[Representation, ByteReader]]]
"""Waits until the writer finished, then gives the complete representation and its reader."""


async def growing_response(
    headers: Mapping[str, str],
    method: str,
    growing: GrowingBytes,
    *,
    media_type: str,
    etag: str,
    complete: Complete,
    extra_headers: Mapping[str, str] | None = None,
) -> Stream:
    """The response to a GET or HEAD of bytes still being written (see the module docstring)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    base = {"accept-ranges": "bytes", "etag": etag, **(extra_headers or {})}
    range_header = lowered.get("range")
    needs_size = any(name in lowered for name in _CONDITIONAL)
    if method.upper() == "GET" and range_header is not None and not needs_size:
        if (closed := _CLOSED_RANGE.fullmatch(range_header)) is not None:
            first, last = int(closed[1]), int(closed[2])
            if last >= first:
                await growing.wait_for(last + 1)
                if growing.written > last:
                    return Stream(
                        growing.read(first, last),
                        status_code=206,
                        headers={
                            **base,
                            "content-range": f"bytes {first}-{last}/*",
                            "content-length": str(last - first + 1),
                        },
                        media_type=media_type,
                    )
        elif _FROM_START.fullmatch(range_header) is None:
            needs_size = True
        # bytes=0- is the whole thing: served like no Range at all.
    elif range_header is not None and method.upper() == "GET":
        needs_size = True
    if needs_size or growing.finished:
        representation, reader = await complete()
        return byte_range_response(
            headers, method, representation, reader, extra_headers=extra_headers
        )
    body = growing.read(0, None) if method.upper() != "HEAD" else _nothing()
    return Stream(body, status_code=200, headers=base, media_type=media_type)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield  # an async generator that yields nothing
