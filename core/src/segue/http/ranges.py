"""Parsing the ``Range`` request header (RFC 9110 section 14).

Only the ``bytes`` unit exists. A header that does not parse is ignored (the
whole representation is sent, as RFC 9110 requires), so is one with an
unknown unit or more than :data:`MAX_RANGES` ranges (a cheap defence against
requests made of thousands of tiny ranges). A header that parses but asks
for nothing inside the representation raises :class:`RangeNotSatisfiable`
(a 416 response).

Several ranges are sorted and the overlapping or touching ones are merged
(RFC 9110 section 14.6 allows it, in any order): every byte is sent once,
and a request whose ranges merge into one gets a plain 206 response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_RANGES = 64
"""More ranges than this in one header and the header is ignored."""
MAX_HEADER_LENGTH = 2048

_INT_RANGE = re.compile(r"([0-9]+)-([0-9]*)", re.ASCII)
_SUFFIX_RANGE = re.compile(r"-([0-9]+)", re.ASCII)
_OWS = " \t"


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes ``start`` to ``end`` of a representation, both included."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        """The ``Content-Range`` header value for this range of ``size`` bytes."""
        return f"bytes {self.start}-{self.end}/{size}"


class RangeNotSatisfiable(Exception):
    """No range of the header overlaps the representation (answer 416)."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(
            f"none of the requested byte ranges is inside the {size} bytes of this file; "
            f"ranges must start below {size}"
        )


def parse_range(value: str | None, size: int) -> list[ByteRange] | None:
    """The satisfiable ranges of a ``Range`` header for ``size`` bytes, merged and sorted.

    Returns None when the header is absent or must be ignored (bad syntax,
    another unit, too many ranges): the caller sends the whole thing.
    Raises :class:`RangeNotSatisfiable` when the header is valid but no
    range overlaps the ``size`` bytes.
    """
    if value is None or len(value) > MAX_HEADER_LENGTH:
        return None
    unit, equals, range_set = value.strip(_OWS).partition("=")
    if not equals or unit.lower() != "bytes":
        return None
    specs = [item.strip(_OWS) for item in range_set.split(",")]
    specs = [item for item in specs if item]  # empty list elements are allowed and ignored
    if not specs or len(specs) > MAX_RANGES:
        return None
    ranges: list[ByteRange] = []
    for spec in specs:
        if match := _INT_RANGE.fullmatch(spec):
            first = int(match[1])
            last = int(match[2]) if match[2] else None
            if last is not None and last < first:
                return None  # invalid syntax: the whole header is ignored
            if first < size:
                ranges.append(ByteRange(first, size - 1 if last is None else min(last, size - 1)))
        elif match := _SUFFIX_RANGE.fullmatch(spec):
            suffix = int(match[1])
            if suffix > 0 and size > 0:
                ranges.append(ByteRange(max(size - suffix, 0), size - 1))
        else:
            return None
    if not ranges:
        raise RangeNotSatisfiable(size)
    return coalesce(ranges)


def coalesce(ranges: list[ByteRange]) -> list[ByteRange]:
    """Sort ranges and merge those that overlap or touch."""
    merged: list[ByteRange] = []
    for current in sorted(ranges, key=lambda r: (r.start, r.end)):
        if merged and current.start <= merged[-1].end + 1:
            last = merged[-1]
            merged[-1] = ByteRange(last.start, max(last.end, current.end))
        else:
            merged.append(current)
    return merged
