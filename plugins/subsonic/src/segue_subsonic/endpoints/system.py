"""System and user methods: ping, license, extensions, users, library scans."""

from __future__ import annotations

import contextlib
import importlib.util

from segue.models import User
from segue_subsonic.call import Call, endpoint
from segue_subsonic.envelope import ErrorCode, Payload, SubsonicError, not_found
from segue_subsonic.shapes import iso

EXTENSIONS: tuple[tuple[str, list[int]], ...] = (
    ("formPost", [1]),
    ("apiKeyAuthentication", [1]),
    ("transcodeOffset", [1]),
    ("songLyrics", [1]),
)
"""OpenSubsonic extensions served (https://opensubsonic.netlify.app/docs/extensions/)."""


@endpoint("ping")
async def ping(call: Call) -> Payload:
    return {}


@endpoint("getLicense")
async def get_license(call: Call) -> Payload:
    return {"license": {"valid": True}}


@endpoint("getOpenSubsonicExtensions", auth=False)
async def get_extensions(call: Call) -> Payload:
    return {
        "openSubsonicExtensions": [
            {"name": name, "versions": versions} for name, versions in EXTENSIONS
        ]
    }


def user_shape(user: User) -> Payload:
    return {
        "username": user.name,
        "scrobblingEnabled": True,
        "adminRole": user.is_admin,
        "settingsRole": True,
        "downloadRole": True,
        "uploadRole": False,
        "playlistRole": True,
        "coverArtRole": True,
        "commentRole": False,
        "podcastRole": False,
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": False,
        "videoConversionRole": False,
        "folder": [1],
    }


@endpoint("getUser")
async def get_user(call: Call) -> Payload:
    name = call.params.require("username")
    if name.casefold() != call.user.name.casefold():
        call.require_admin()
    user = await call.context.catalog.get_user_by_name(name)
    if user is None:
        raise not_found(f"no user named {name!r}")
    return {"user": user_shape(user)}


@endpoint("getUsers")
async def get_users(call: Call) -> Payload:
    call.require_admin()
    return {"users": {"user": [user_shape(u) for u in await call.context.catalog.list_users()]}}


def _check_scanner() -> None:
    # Scanning belongs to the catalog-filesystem plugin: optional here.
    if importlib.util.find_spec("segue_catalog_filesystem") is None:
        raise SubsonicError(ErrorCode.GENERIC, "library scanning is not installed on this server")


async def _scan_status(call: Call) -> Payload:
    from segue_catalog_filesystem.scanner import scan_in_progress  # type: ignore[import-untyped,unused-ignore]

    progress = scan_in_progress(call.context)
    report = await call.context.catalog.last_scan_report()
    if progress is not None:
        return {"scanStatus": {"scanning": True, "count": progress.files_seen}}
    node: Payload = {"scanning": False, "count": report.files_seen if report else 0}
    if report is not None and report.finished_at is not None:
        node["lastScan"] = iso(report.finished_at)
    return {"scanStatus": node}


@endpoint("getScanStatus")
async def get_scan_status(call: Call) -> Payload:
    call.require_admin()
    _check_scanner()
    return await _scan_status(call)


@endpoint("startScan")
async def start_scan(call: Call) -> Payload:
    call.require_admin()
    _check_scanner()
    from segue_catalog_filesystem.scanner import ScanAlreadyRunning, start_background_scan  # type: ignore[import-untyped,unused-ignore]

    # Subsonic clients expect the status of the running scan, not an error.
    with contextlib.suppress(ScanAlreadyRunning):
        start_background_scan(call.context)
    return await _scan_status(call)
