"""HTTP Range and conditional requests: the parser, the decision, and the bytes sent.

The last tests serve a real file through ``byte_range_response`` in a small
Litestar app and compare many random requests with the file's bytes.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import AsyncIterator
from email.utils import formatdate
from pathlib import Path

import anyio
import pytest
from litestar import Litestar, Request, get
from litestar.response import Stream
from litestar.testing import AsyncTestClient

from segue.http.byte_serving import Representation, byte_range_response, plan_response
from segue.http.conditional import (
    evaluate_preconditions,
    format_http_date,
    if_range_holds,
    parse_etags,
    parse_http_date,
)
from segue.http.ranges import MAX_RANGES, ByteRange, RangeNotSatisfiable, coalesce, parse_range

# --- the Range parser ------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 100, [(0, 0)]),
        ("bytes=0-99", 100, [(0, 99)]),
        ("bytes=10-19", 100, [(10, 19)]),
        ("bytes=10-", 100, [(10, 99)]),
        ("bytes=99-", 100, [(99, 99)]),
        ("bytes=90-500", 100, [(90, 99)]),  # last-pos past the end is clamped
        ("bytes=-10", 100, [(90, 99)]),
        ("bytes=-100", 100, [(0, 99)]),
        ("bytes=-1000", 100, [(0, 99)]),  # a suffix longer than the file is the whole file
        ("BYTES=1-2", 100, [(1, 2)]),  # the unit is case-insensitive
        ("bytes=0-1, 5-6", 100, [(0, 1), (5, 6)]),
        ("bytes=0-1 ,\t5-6 ", 100, [(0, 1), (5, 6)]),  # optional whitespace around items
        ("  bytes=0-1", 100, [(0, 1)]),
        ("bytes=0-1,,5-6,", 100, [(0, 1), (5, 6)]),  # empty list elements are ignored
        ("bytes=5-6,0-1", 100, [(0, 1), (5, 6)]),  # sorted
        ("bytes=0-10,5-20", 100, [(0, 20)]),  # overlapping ranges are merged
        ("bytes=0-4,5-9", 100, [(0, 9)]),  # touching ranges are merged
        ("bytes=0-4,6-9", 100, [(0, 4), (6, 9)]),  # a gap keeps them apart
        ("bytes=-5,0-2", 100, [(0, 2), (95, 99)]),
        ("bytes=0-1,200-300", 100, [(0, 1)]),  # unsatisfiable ranges are dropped
        ("bytes=0-", 1, [(0, 0)]),
    ],
)
def test_parse_range(header: str, size: int, expected: list[tuple[int, int]]) -> None:
    ranges = parse_range(header, size)

    assert ranges is not None
    assert [(r.start, r.end) for r in ranges] == expected


@pytest.mark.parametrize(
    "header",
    [
        "bytes=5-1",  # last before first
        "bytes=abc",
        "bytes=1-2-3",
        "bytes=-",
        "bytes=",
        "bytes=,",
        "bytes= = 1-2",
        "bytes=+1-2",
        "bytes=1 - 2",
        "bytes=0x10-20",
        "bytes=1_0-20",
        "bytes=\u0661-\u0662",  # non-ASCII digits
        "bytes 0-1",
        "bytes:0-1",
        "items=0-1",  # another unit
        "0-1",
        "",
        "bytes=0-1,x",  # one bad item spoils the header
        "bytes=" + ",".join(f"{n}-{n}" for n in range(MAX_RANGES + 1)),
        "bytes=0-1" + " " * 5000,  # absurdly long
    ],
)
def test_bad_range_headers_are_ignored(header: str) -> None:
    assert parse_range(header, 100) is None


def test_an_absent_header_means_the_whole_file() -> None:
    assert parse_range(None, 100) is None


@pytest.mark.parametrize(
    ("header", "size"),
    [
        ("bytes=100-", 100),
        ("bytes=100-200", 100),
        ("bytes=500-600,700-", 100),
        ("bytes=-0", 100),
        ("bytes=0-", 0),
        ("bytes=-5", 0),
    ],
)
def test_ranges_outside_the_file_are_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable) as caught:
        parse_range(header, size)

    assert caught.value.size == size
    assert f"{size} bytes" in str(caught.value)


def test_coalesce_covers_the_same_bytes_once() -> None:
    rng = random.Random(11)
    for _ in range(300):
        ranges = []
        for _ in range(rng.randint(1, 8)):
            start = rng.randrange(200)
            ranges.append(ByteRange(start, rng.randrange(start, 200)))
        merged = coalesce(ranges)
        covered = {b for r in ranges for b in range(r.start, r.end + 1)}
        assert {b for r in merged for b in range(r.start, r.end + 1)} == covered
        assert sum(r.length for r in merged) == len(covered)
        assert all(a.end + 1 < b.start for a, b in itertools.pairwise(merged))


def test_content_range_header_value() -> None:
    assert ByteRange(0, 9).content_range(100) == "bytes 0-9/100"
    assert ByteRange(5, 5).length == 1


# --- validators --------------------------------------------------------------------

EPOCH_1994 = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        " Sun, 06 Nov 1994 08:49:37 GMT ",
    ],
)
def test_the_three_http_date_formats(value: str) -> None:
    assert parse_http_date(value) == EPOCH_1994


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "",
    ],
)
def test_invalid_http_dates(value: str) -> None:
    assert parse_http_date(value) is None


def test_format_http_date_round_trips() -> None:
    assert format_http_date(EPOCH_1994) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert parse_http_date(format_http_date(1_700_000_000.7)) == 1_700_000_000


def test_parse_etags() -> None:
    assert parse_etags("*") == []
    tags = parse_etags('"a", W/"b" ,"c,d"')
    assert tags is not None
    assert [(t.opaque, t.weak) for t in tags] == [('"a"', False), ('"b"', True), ('"c,d"', False)]
    assert parse_etags("a") is None
    assert parse_etags('"a" "b"') is None


ETAG = '"12c-17a"'
MTIME = EPOCH_1994
LATER = formatdate(MTIME + 10, usegmt=True)
EARLIER = formatdate(MTIME - 10, usegmt=True)
SAME = formatdate(MTIME, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "method", "verdict"),
    [
        ({}, "GET", "proceed"),
        ({"if-none-match": ETAG}, "GET", "not_modified"),
        ({"if-none-match": ETAG}, "HEAD", "not_modified"),
        ({"if-none-match": f"W/{ETAG}"}, "GET", "not_modified"),  # weak comparison
        ({"if-none-match": f'"other", {ETAG}'}, "GET", "not_modified"),
        ({"if-none-match": "*"}, "GET", "not_modified"),
        ({"if-none-match": '"other"'}, "GET", "proceed"),
        ({"if-modified-since": SAME}, "GET", "not_modified"),
        ({"if-modified-since": LATER}, "GET", "not_modified"),
        ({"if-modified-since": EARLIER}, "GET", "proceed"),
        ({"if-modified-since": "garbage"}, "GET", "proceed"),
        # If-None-Match wins over If-Modified-Since
        ({"if-none-match": '"other"', "if-modified-since": LATER}, "GET", "proceed"),
        ({"if-match": ETAG}, "GET", "proceed"),
        ({"if-match": "*"}, "GET", "proceed"),
        ({"if-match": '"other"'}, "GET", "precondition_failed"),
        ({"if-match": f"W/{ETAG}"}, "GET", "precondition_failed"),  # strong comparison
        ({"if-unmodified-since": SAME}, "GET", "proceed"),
        ({"if-unmodified-since": EARLIER}, "GET", "precondition_failed"),
        ({"if-match": ETAG, "if-unmodified-since": EARLIER}, "GET", "proceed"),
    ],
)
def test_preconditions(headers: dict[str, str], method: str, verdict: str) -> None:
    assert evaluate_preconditions(headers, method, etag=ETAG, last_modified=MTIME) == verdict


@pytest.mark.parametrize(
    ("value", "holds"),
    [
        (ETAG, True),
        ('"other"', False),
        (f"W/{ETAG}", False),  # weak tags never satisfy If-Range
        (SAME, True),
        (LATER, False),  # a date must match exactly
        (EARLIER, False),
        ("nonsense", False),
    ],
)
def test_if_range(value: str, holds: bool) -> None:
    assert if_range_holds(value, etag=ETAG, last_modified=MTIME) is holds


# --- the response decision ---------------------------------------------------------

REP = Representation(size=1000, media_type="audio/flac", etag=ETAG, mtime=MTIME + 0.5)


def test_plain_get_is_200_with_validators() -> None:
    plan = plan_response({}, "GET", REP)

    assert plan.status == 200
    assert plan.body == [ByteRange(0, 999)]
    assert plan.headers["content-length"] == "1000"
    assert plan.headers["accept-ranges"] == "bytes"
    assert plan.headers["etag"] == ETAG
    assert plan.headers["last-modified"] == SAME
    assert plan.media_type == "audio/flac"


def test_a_single_range_is_206_with_content_range() -> None:
    plan = plan_response({"range": "bytes=100-199"}, "GET", REP)

    assert (plan.status, plan.body) == (206, [ByteRange(100, 199)])
    assert plan.headers["content-range"] == "bytes 100-199/1000"
    assert plan.headers["content-length"] == "100"


def test_an_unsatisfiable_range_is_416_with_the_size() -> None:
    plan = plan_response({"range": "bytes=1000-"}, "GET", REP)

    assert plan.status == 416
    assert plan.headers["content-range"] == "bytes */1000"
    assert plan.media_type == "application/problem+json"
    assert b"1000 bytes" in b"".join(p for p in plan.body if isinstance(p, bytes))


def test_a_bad_range_header_gets_the_whole_file() -> None:
    assert plan_response({"range": "bytes=9-1"}, "GET", REP).status == 200


def test_if_range_mismatch_gets_the_whole_file() -> None:
    plan = plan_response({"range": "bytes=0-9", "if-range": '"old"'}, "GET", REP)

    assert (plan.status, plan.body) == (200, [ByteRange(0, 999)])


def test_if_range_match_gets_the_range() -> None:
    plan = plan_response({"range": "bytes=0-9", "if-range": ETAG}, "GET", REP)

    assert plan.status == 206


def test_head_ignores_range() -> None:
    plan = plan_response({"range": "bytes=0-9"}, "HEAD", REP)

    assert plan.status == 200
    assert plan.headers["content-length"] == "1000"


def test_not_modified_beats_range() -> None:
    plan = plan_response({"range": "bytes=0-9", "if-none-match": ETAG}, "GET", REP)

    assert (plan.status, plan.body) == (304, [])
    assert "content-length" not in plan.headers
    assert plan.headers["etag"] == ETAG


def test_failed_if_match_is_412() -> None:
    assert plan_response({"if-match": '"x"'}, "GET", REP).status == 412


def test_several_ranges_are_multipart() -> None:
    plan = plan_response({"range": "bytes=0-9,500-509"}, "GET", REP)

    assert plan.status == 206
    assert plan.media_type is not None
    assert plan.media_type.startswith("multipart/byteranges; boundary=")
    assert "content-range" not in plan.headers
    assert [p for p in plan.body if isinstance(p, ByteRange)] == [
        ByteRange(0, 9),
        ByteRange(500, 509),
    ]
    assert plan.headers["content-length"] == str(plan.content_length)


def test_an_empty_file() -> None:
    empty = Representation(size=0, media_type="audio/flac", etag=ETAG)

    plan = plan_response({}, "GET", empty)

    assert (plan.status, plan.body, plan.headers["content-length"]) == (200, [], "0")
    assert plan_response({"range": "bytes=0-"}, "GET", empty).status == 416


def test_extra_headers_are_on_every_answer() -> None:
    for headers in ({}, {"range": "bytes=0-1"}, {"if-none-match": ETAG}, {"range": "bytes=5000-"}):
        plan = plan_response(headers, "GET", REP, extra_headers={"cache-control": "private"})
        assert plan.headers["cache-control"] == "private"


# --- real bytes through Litestar ---------------------------------------------------


@pytest.fixture(scope="module")
def media_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ranges") / "file.bin"
    path.write_bytes(random.Random(5).randbytes(70_001))
    return path


def file_app(path: Path) -> Litestar:
    stat = path.stat()
    rep = Representation(
        size=stat.st_size,
        media_type="audio/flac",
        etag=f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"',
        mtime=stat.st_mtime,
    )

    async def read(start: int, end: int) -> AsyncIterator[bytes]:
        async with await anyio.open_file(path, "rb") as file:
            await file.seek(start)
            remaining = end - start + 1
            while remaining:
                chunk = await file.read(min(remaining, 8192))
                remaining -= len(chunk)
                yield chunk

    @get("/file")
    async def serve(request: Request) -> Stream:  # type: ignore[type-arg]
        return byte_range_response(request.headers, request.method, rep, read)

    return Litestar([serve])


def parse_multipart(body: bytes, content_type: str) -> list[tuple[str, bytes]]:
    """(Content-Range, data) of each part of a multipart/byteranges body."""
    boundary = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", content_type)
    assert boundary, content_type
    delimiter = b"--" + boundary[1].encode()
    assert body.endswith(b"\r\n" + delimiter + b"--\r\n")
    parts = []
    for raw in body[: -len(delimiter) - 6].split(b"\r\n" + delimiter + b"\r\n"):
        raw = raw.removeprefix(delimiter + b"\r\n")
        head, _, data = raw.partition(b"\r\n\r\n")
        fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n"))
        assert fields[b"content-type"] == b"audio/flac"
        parts.append((fields[b"content-range"].decode(), data))
    return parts


@pytest.mark.anyio
async def test_random_ranges_get_exactly_the_files_bytes(media_file: Path) -> None:
    content = await anyio.Path(media_file).read_bytes()
    size = len(content)
    rng = random.Random(2024)
    async with AsyncTestClient(app=file_app(media_file)) as client:
        for _ in range(150):
            specs, wanted = [], set()
            for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
                kind = rng.random()
                if kind < 0.6:
                    start = rng.randrange(size + 50)
                    end = rng.randrange(start, start + 20_000)
                    specs.append(f"{start}-{end}")
                    wanted |= set(range(start, min(end, size - 1) + 1))
                elif kind < 0.8:
                    start = rng.randrange(size + 50)
                    specs.append(f"{start}-")
                    wanted |= set(range(start, size))
                else:
                    suffix = rng.randrange(size + 100)
                    specs.append(f"-{suffix}")
                    wanted |= set(range(max(size - suffix, 0), size)) if suffix else set()
            response = await client.get("/file", headers={"Range": "bytes=" + ",".join(specs)})
            if not wanted:
                assert response.status_code == 416
                assert response.headers["content-range"] == f"bytes */{size}"
                continue
            assert response.status_code == 206, specs
            assert response.headers["content-length"] == str(len(response.content))
            if response.headers["content-type"].startswith("multipart/"):
                parts = parse_multipart(response.content, response.headers["content-type"])
            else:
                parts = [(response.headers["content-range"], response.content)]
            got: set[int] = set()
            for content_range, data in parts:
                match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
                assert match, content_range
                start, end = int(match[1]), int(match[2])
                assert int(match[3]) == size
                assert data == content[start : end + 1]
                assert got.isdisjoint(range(start, end + 1))  # no byte sent twice
                got |= set(range(start, end + 1))
            assert got == wanted, specs


@pytest.mark.anyio
async def test_full_and_conditional_requests_over_http(media_file: Path) -> None:
    content = await anyio.Path(media_file).read_bytes()
    async with AsyncTestClient(app=file_app(media_file)) as client:
        full = await client.get("/file")
        assert full.status_code == 200
        assert full.content == content
        assert full.headers["accept-ranges"] == "bytes"
        etag = full.headers["etag"]

        cached = await client.get("/file", headers={"If-None-Match": etag})
        assert cached.status_code == 304
        assert cached.content == b""

        stale = await client.get("/file", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
        assert (stale.status_code, stale.content) == (200, content)

        fresh = await client.get("/file", headers={"Range": "bytes=0-9", "If-Range": etag})
        assert (fresh.status_code, fresh.content) == (206, content[:10])
