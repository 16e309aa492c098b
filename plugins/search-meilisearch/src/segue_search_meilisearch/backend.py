"""The Meilisearch search backend, through the official (synchronous) client on threads.

Documents arrive folded by the core (``segue.search.text``), so Meilisearch
sees the same words as every other backend. Its typo thresholds are set to
the contract's (1 typo from 5 letters, 2 from 9) and its ranking rules end
with popularity. Known difference: Meilisearch matches only the *last*
query word as a prefix, so "bohem rhaps" needs the whole first word there.

Set-up (index, settings) is retried on every call until the server
answers, so Segue starts, and serves everything but search, while the
engine is down.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import meilisearch
import msgspec
import structlog
from meilisearch.errors import MeilisearchApiError

from segue.slots.search import SearchDocument, SearchHit, SearchRequest, SearchResult

log = structlog.get_logger("segue.search")
R = TypeVar("R")

SETTINGS: dict[str, Any] = {
    "searchableAttributes": ["name_terms", "artist_terms", "album_terms"],
    "filterableAttributes": ["kind", "genres", "years"],
    "sortableAttributes": ["popularity"],
    "displayedAttributes": ["id", "ref", "label", "detail"],
    "rankingRules": ["words", "typo", "proximity", "attribute", "exactness", "popularity:desc"],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
}
TASK_TIMEOUT_MS = 60_000


class MeilisearchTaskFailed(RuntimeError):
    pass


def _fields(document: SearchDocument) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(document)
    return data


class MeilisearchSearch:
    """The ``meilisearch`` search backend."""

    def __init__(self, url: str, api_key: str, index: str, timeout: float) -> None:
        self.url = url
        self.uid = index
        self._client: Any = meilisearch.Client(url, api_key or None, timeout=int(max(timeout, 1)))
        self._ready = False
        self._setup_lock = anyio.Lock()

    # --- lifecycle -------------------------------------------------------
    async def start(self) -> None:
        try:
            await self._ensure()
        except Exception as exc:  # not fatal: search answers 503 until the engine is back
            log.warning("meilisearch is not reachable yet", url=self.url, error=repr(exc))

    async def ping(self) -> None:
        try:
            await self._call(lambda: self._client.health())
        except Exception as exc:
            raise ConnectionError(f"meilisearch at {self.url} did not answer: {exc}") from exc

    async def close(self) -> None:
        self._ready = False

    async def _ensure(self) -> None:
        if self._ready:
            return
        async with self._setup_lock:
            if not self._ready:
                await anyio.to_thread.run_sync(self._create_index, self.uid)
                self._ready = True

    def _create_index(self, uid: str) -> None:
        try:
            self._client.get_index(uid)
        except MeilisearchApiError as exc:
            if getattr(exc, "code", "") != "index_not_found":
                raise
            self._wait(self._client.create_index(uid, {"primaryKey": "id"}))
        self._wait(self._client.index(uid).update_settings(SETTINGS))

    def _wait(self, task: Any, *, missing_ok: bool = False) -> None:
        done = self._client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
        error = getattr(done, "error", None) or {}
        if missing_ok and error.get("code") == "index_not_found":
            return
        if getattr(done, "status", "") == "failed":
            raise MeilisearchTaskFailed(f"meilisearch task {task.task_uid} failed: {done.error}")

    async def _call(self, fn: Callable[[], R]) -> R:
        await self._ensure()
        return await anyio.to_thread.run_sync(fn)

    # --- writes ----------------------------------------------------------
    async def upsert(self, documents: Sequence[SearchDocument]) -> None:
        if documents:
            docs = [_fields(d) for d in documents]
            await self._call(lambda: self._wait(self._client.index(self.uid).add_documents(docs)))

    async def delete(self, document_ids: Sequence[str]) -> None:
        if document_ids:
            ids: list[str | int] = list(document_ids)
            await self._call(lambda: self._wait(self._client.index(self.uid).delete_documents(ids)))

    async def replace_all(self, batches: AsyncIterator[Sequence[SearchDocument]]) -> int:
        """Fill a new index, then swap it with the live one (searches never see it half-built)."""
        await self._ensure()
        staging = f"{self.uid}_rebuild"

        def fresh_staging() -> None:
            self._wait(self._client.delete_index(staging), missing_ok=True)
            self._create_index(staging)

        await anyio.to_thread.run_sync(fresh_staging)
        total = 0

        def add(docs: list[dict[str, Any]]) -> None:
            self._wait(self._client.index(staging).add_documents(docs))

        async for batch in batches:
            await anyio.to_thread.run_sync(add, [_fields(d) for d in batch])
            total += len(batch)

        def swap() -> None:
            self._wait(self._client.swap_indexes([{"indexes": [self.uid, staging]}]))
            self._wait(self._client.delete_index(staging))

        await anyio.to_thread.run_sync(swap)
        return total

    # --- reads -----------------------------------------------------------
    async def count(self) -> int:
        stats = await self._call(lambda: self._client.index(self.uid).get_stats())
        return int(stats.number_of_documents)

    async def search(self, request: SearchRequest) -> SearchResult:
        if not request.words:
            return SearchResult(hits=[], total=0)
        filters = [f"kind = {json.dumps(request.kind)}"]
        if request.genre is not None:
            filters.append(f"genres = {json.dumps(request.genre)}")
        if request.year is not None:
            filters.append(f"years = {int(request.year)}")
        params = {
            "filter": filters,
            "limit": request.limit,
            "offset": request.offset,
            "matchingStrategy": "all",
            "showRankingScore": True,
            "attributesToRetrieve": ["ref", "label", "detail"],
        }
        text = " ".join(w.text for w in request.words)
        found = await self._call(lambda: self._client.index(self.uid).search(text, params))
        hits = [
            SearchHit(
                kind=request.kind,
                ref=str(h["ref"]),
                label=str(h["label"]),
                detail=str(h.get("detail") or ""),
                score=float(h.get("_rankingScore") or 0.0),
            )
            for h in found["hits"]
        ]
        return SearchResult(hits=hits, total=int(found.get("estimatedTotalHits") or 0))
