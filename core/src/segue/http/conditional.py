"""Validators and conditional requests (RFC 9110 section 13): ETags, HTTP dates, If-* headers."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Literal

_MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}
_IMF_FIXDATE = re.compile(
    r"[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT", re.ASCII
)
_RFC850_DATE = re.compile(
    r"[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT", re.ASCII
)
_ASCTIME_DATE = re.compile(
    r"[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})", re.ASCII
)
_ENTITY_TAG = re.compile(r'[ \t]*(W/)?"([^"]*)"[ \t]*(?:,|$)', re.ASCII)


def format_http_date(timestamp: float) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) for a Unix time."""
    return formatdate(int(timestamp), usegmt=True)


def parse_http_date(value: str) -> int | None:
    """Seconds since the epoch for any of the three HTTP-date formats; None if invalid."""
    value = value.strip()
    if match := _IMF_FIXDATE.fullmatch(value):
        day, month, year, hh, mm, ss = match.groups()
    elif match := _RFC850_DATE.fullmatch(value):
        day, month, yy, hh, mm, ss = match.groups()
        # Two-digit years: RFC 9110 section 5.6.7 says within 50 years of now.
        this_year = time.gmtime().tm_year
        year_int = this_year - this_year % 100 + int(yy)
        if year_int > this_year + 50:
            year_int -= 100
        year = str(year_int)
    elif match := _ASCTIME_DATE.fullmatch(value):
        month, day, hh, mm, ss, year = match.groups()
    else:
        return None
    month_number = _MONTHS.get(month.title())
    if month_number is None:
        return None
    try:  # datetime rejects 31 Feb and 25:00
        moment = datetime(int(year), month_number, int(day), int(hh), int(mm), int(ss), tzinfo=UTC)
    except ValueError:
        return None
    return calendar.timegm(moment.utctimetuple())


@dataclass(frozen=True, slots=True)
class EntityTag:
    opaque: str
    """The quoted string, quotes included."""
    weak: bool = False


def parse_etags(value: str) -> list[EntityTag] | None:
    """The entity tags of an ``If-Match``/``If-None-Match`` list; None if it does not parse.

    ``*`` is returned as an empty list (matches any current representation).
    """
    value = value.strip(" \t")
    if value == "*":
        return []
    tags: list[EntityTag] = []
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None:
            return None
        tags.append(EntityTag(f'"{match[2]}"', weak=bool(match[1])))
        position = match.end()
    return tags or None


def strong_match(tag: EntityTag, etag: str) -> bool:
    return not tag.weak and tag.opaque == etag


def weak_match(tag: EntityTag, etag: str) -> bool:
    return tag.opaque == etag.removeprefix("W/")


Verdict = Literal["proceed", "not_modified", "precondition_failed"]


def evaluate_preconditions(
    headers: Mapping[str, str], method: str, *, etag: str | None, last_modified: int | None
) -> Verdict:
    """RFC 9110 section 13.2.2, in its order: If-Match, If-Unmodified-Since, If-None-Match,
    If-Modified-Since. ``etag`` is a strong validator; ``last_modified`` whole seconds."""
    safe = method in ("GET", "HEAD")
    if (if_match := headers.get("if-match")) is not None:
        tags = parse_etags(if_match)
        if tags is None or (
            tags and not any(etag is not None and strong_match(t, etag) for t in tags)
        ):
            return "precondition_failed"
    elif (since := _date(headers, "if-unmodified-since")) is not None and (
        last_modified is None or last_modified > since
    ):
        return "precondition_failed"
    if (if_none_match := headers.get("if-none-match")) is not None:
        tags = parse_etags(if_none_match)
        if tags is not None and (
            not tags or any(etag is not None and weak_match(t, etag) for t in tags)
        ):
            return "not_modified" if safe else "precondition_failed"
    elif (
        safe
        and (since := _date(headers, "if-modified-since")) is not None
        and last_modified is not None
        and last_modified <= since
    ):
        return "not_modified"
    return "proceed"


def if_range_holds(value: str, *, etag: str | None, last_modified: int | None) -> bool:
    """Whether an ``If-Range`` validator still matches (RFC 9110 section 13.1.5).

    An entity tag must match strongly; a date must equal Last-Modified
    exactly. Anything else, weak tags and bad syntax included, does not hold.
    """
    value = value.strip(" \t")
    if value.startswith(('"', "W/")):
        tags = parse_etags(value)
        return (
            etag is not None and tags is not None and len(tags) == 1 and strong_match(tags[0], etag)
        )
    date = parse_http_date(value)
    return date is not None and last_modified is not None and date == last_modified


def _date(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    return None if value is None else parse_http_date(value)
