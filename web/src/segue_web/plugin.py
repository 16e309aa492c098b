"""Segue plugin: the web player, served at ``/``.

The player is plain HTML, CSS and native ES modules kept in the package's
``static`` folder (no build step), found through :mod:`importlib.resources`
so it works from a wheel as well as from the checkout. Routes:

* ``/``: ``index.html`` (the app uses hash routes, ``#/albums/ID``, so no
  catch-all route is needed and nothing shadows ``/api`` or ``/rest``);
* ``/web/...``: the assets (CSS, JS modules);
* ``/sw.js``: the service worker, at the root so its scope is the whole app.

Every route is public: the page has to load before the listener logs in.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from litestar.response import File

import segue

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

    from segue.context import SegueContext

ASSETS_PATH = "/web"
"""URL prefix of the static assets."""

# Files are not content-hashed (no build step), so browsers revalidate each
# time; the ETag makes that a cheap 304 instead of a new download.
_REVALIDATE = CacheControlHeader(no_cache=True)
_PUBLIC = {"public": True}
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css"}


def static_dir() -> Path:
    """The folder holding ``index.html``, ``sw.js``, ``css/`` and ``js/``."""
    return Path(str(files("segue_web") / "static"))


def _media_type(path: Path) -> str:
    # Not left to the platform's mimetypes table: some map .js to text/plain,
    # which browsers refuse for modules.
    return (
        _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )


async def _resolve(relative: str) -> Path:
    """The file at ``relative`` inside the static folder; 404 for anything else."""
    root = static_dir()
    candidate = await anyio.Path(root / relative.lstrip("/")).resolve()
    if (
        not candidate.is_relative_to(await anyio.Path(root).resolve())
        or not await candidate.is_file()
    ):
        raise NotFoundException(
            detail=f"no web player file at {ASSETS_PATH}/{relative.lstrip('/')}"
        )
    return Path(candidate)


async def _serve(
    request: Request[Any, Any, Any], path: Path, headers: dict[str, str] | None = None
) -> Response[bytes] | File:
    stat = await anyio.Path(path).stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    all_headers = {"ETag": etag, **(headers or {})}
    if etag in request.headers.get("if-none-match", ""):
        return Response(content=b"", status_code=304, headers=all_headers)
    return File(
        path=path,
        filename=path.name,
        content_disposition_type="inline",
        media_type=_media_type(path),
        headers=all_headers,
        etag=None,
    )


@get("/", opt=_PUBLIC, include_in_schema=False, cache_control=_REVALIDATE)
async def index_page(request: Request[Any, Any, Any]) -> Response[bytes] | File:
    """The single page of the web player."""
    return await _serve(request, await _resolve("index.html"))


@get("/sw.js", opt=_PUBLIC, include_in_schema=False, cache_control=_REVALIDATE)
async def service_worker(request: Request[Any, Any, Any]) -> Response[bytes] | File:
    """The service worker, served at the root so it may control every page of the app."""
    return await _serve(request, await _resolve("sw.js"), {"Service-Worker-Allowed": "/"})


@get(
    f"{ASSETS_PATH}/{{path:path}}", opt=_PUBLIC, include_in_schema=False, cache_control=_REVALIDATE
)
async def asset(
    request: Request[Any, Any, Any],
    path: Annotated[str, PathParameter(description="The file, relative to the static folder.")],
) -> Response[bytes] | File:
    """A CSS or JavaScript file of the player."""
    return await _serve(request, await _resolve(path))


@segue.hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [index_page, service_worker, asset]
