"""Helpers of the Subsonic tests: reading XML envelopes, finding demo items."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

NS = "{http://subsonic.org/restapi}"


def xml_root(text: str) -> ET.Element:
    """The ``subsonic-response`` element, checked to carry the spec's envelope attributes."""
    root = ET.fromstring(text)
    assert root.tag == f"{NS}subsonic-response", root.tag
    for attribute in ("status", "version", "type", "serverVersion", "openSubsonic"):
        assert attribute in root.attrib, attribute
    assert root.attrib["openSubsonic"] == "true"
    return root


def children(element: ET.Element) -> list[str]:
    return [child.tag.removeprefix(NS) for child in element]


async def first_album(subsonic: Any) -> dict[str, Any]:
    body = await subsonic.ok("getAlbumList2", type="alphabeticalByName", size=50)
    albums: list[dict[str, Any]] = body["albumList2"]["album"]
    return next(a for a in albums if a.get("coverArt"))


async def album_songs(subsonic: Any, album_id: str) -> list[dict[str, Any]]:
    body = await subsonic.ok("getAlbum", id=album_id)
    songs: list[dict[str, Any]] = body["album"]["song"]
    return songs


async def all_songs(subsonic: Any) -> list[dict[str, Any]]:
    body = await subsonic.ok("search3", query="", songCount=500, albumCount=0, artistCount=0)
    songs: list[dict[str, Any]] = body["searchResult3"]["song"]
    return songs
