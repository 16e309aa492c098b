"""Optional AcoustID lookups: a fingerprint's MusicBrainz recording ids, from the web service.

Off unless ``acoustid_lookup`` is true and an API key is set. The network
may be absent (a home server offline): the first failure to reach the
service logs one clear line and turns lookups off for the rest of the process.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import structlog

from segue_fingerprint_chromaprint.config import Config

log = structlog.get_logger("segue.fingerprint")


@dataclass(frozen=True)
class AcoustIDMatch:
    acoustid: str
    musicbrainz_recording_id: str | None
    score: float


class AcoustIDClient:
    """Looks fingerprints up; goes quiet after the service proves unreachable once."""

    def __init__(self, config: Config) -> None:
        self.url = config.acoustid_url
        self.api_key = config.acoustid_api_key
        self.timeout = config.acoustid_timeout
        self.gave_up: str | None = None
        """Why lookups stopped (None while they still run)."""

    async def lookup(self, fingerprint: str, duration: float) -> AcoustIDMatch | None:
        """The best AcoustID match, or None (no match, or the service is out of reach)."""
        if self.gave_up is not None:
            return None
        form = urllib.parse.urlencode(
            {
                "client": self.api_key,
                "duration": str(round(duration)),
                "fingerprint": fingerprint,
                "meta": "recordingids",
                "format": "json",
            }
        ).encode()
        try:
            answer = await anyio.to_thread.run_sync(self._post, form)
        except (OSError, ValueError) as exc:  # URLError, timeouts and refused connections
            reason = getattr(exc, "reason", None) or exc
            self._give_up(f"cannot reach {self.url}: {reason}")
            return None
        if answer.get("status") != "ok":
            message = (answer.get("error") or {}).get("message", "unexpected answer")
            self._give_up(f"{self.url} refused the lookup: {message}")
            return None
        return _best(answer.get("results") or [])

    def _post(self, form: bytes) -> dict[str, Any]:
        request = urllib.request.Request(self.url, data=form, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:  # AcoustID answers errors as JSON too
            body = exc.read()
        decoded: dict[str, Any] = json.loads(body)
        return decoded

    def _give_up(self, why: str) -> None:
        self.gave_up = why
        log.warning(f"AcoustID lookups are off until restart: {why}")


def _best(results: list[dict[str, Any]]) -> AcoustIDMatch | None:
    if not results:
        return None
    top = max(results, key=lambda result: float(result.get("score", 0)))
    recordings = top.get("recordings") or []
    return AcoustIDMatch(
        acoustid=str(top.get("id", "")),
        musicbrainz_recording_id=str(recordings[0]["id"]) if recordings else None,
        score=float(top.get("score", 0)),
    )
