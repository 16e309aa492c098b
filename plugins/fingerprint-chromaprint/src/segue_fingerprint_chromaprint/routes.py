"""HTTP API: duplicate groups and the preferred file (admins), and "what song is this?"."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, PathParameter, QueryParameter

from segue.api.deps import Context
from segue.auth.guards import admin_only
from segue.errors import InvalidInput
from segue_fingerprint_chromaprint.identify import Identified, identify_clip
from segue_fingerprint_chromaprint.service import DuplicateGroup, require_fingerprinter

MAX_CLIP_BYTES = 10 * 1024 * 1024


class PreferredChoice(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    track_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    """The member of the group whose file should stand for the recording."""


class DuplicatesController(Controller):
    path = "/api/v1/admin/duplicates"
    tags = ["admin", "fingerprints"]
    guards = [admin_only]

    @get(
        "/",
        operation_id="adminListDuplicates",
        summary="Files holding the same recording, found by audio fingerprint",
    )
    async def list_duplicates(
        self,
        context: Context,
        refresh: Annotated[
            bool,
            QueryParameter(
                description="Compare the fingerprints now instead of listing the last detection."
            ),
        ] = False,
    ) -> list[DuplicateGroup]:
        fingerprinter = require_fingerprinter(context)
        if refresh:
            return await fingerprinter.detect()
        return await fingerprinter.duplicate_groups()

    @put(
        "/{group_id:str}/preferred",
        operation_id="adminSetPreferredDuplicate",
        summary="Choose the file that stands for a duplicate group's recording",
    )
    async def set_preferred(
        self,
        context: Context,
        group_id: Annotated[str, PathParameter(description="The group's (recording's) id.")],
        data: JSONBody[PreferredChoice],
    ) -> DuplicateGroup:
        return await require_fingerprinter(context).prefer(group_id, data.track_id)


class IdentifyController(Controller):
    path = "/api/v1/identify"
    tags = ["fingerprints"]

    @post(
        "/",
        operation_id="identifyClip",
        summary="What song is this? Send a short audio clip, get the best match in the library",
        status_code=200,
        request_max_body_size=MAX_CLIP_BYTES,
    )
    async def identify(self, context: Context, request: Request[Any, Any, Any]) -> Identified:
        """The request body is the clip itself: any audio format ffmpeg reads, 5 s or more."""
        data = await request.body()
        if not data:
            raise InvalidInput("send the audio clip as the request body (5 to 60 seconds)")
        fingerprinter = require_fingerprinter(context)
        folder = await anyio.to_thread.run_sync(tempfile.mkdtemp)
        clip = Path(folder) / "clip"
        try:
            await anyio.to_thread.run_sync(clip.write_bytes, data)
            return await identify_clip(fingerprinter, clip)
        finally:
            await anyio.to_thread.run_sync(_remove, Path(folder))


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
