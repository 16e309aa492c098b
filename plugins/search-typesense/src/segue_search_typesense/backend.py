"""The Typesense search backend, through the official (synchronous) client on threads.

Segue searches an alias (``collection`` in the config) that points at a
versioned collection; a reindex fills a new collection and moves the alias,
so searches never see a half-built index. Documents arrive folded by the
core, typo thresholds follow the contract (1 typo from 5 letters, 2 from 9),
and ties are broken by popularity. Known difference: Typesense matches only
the last query word as a prefix.

Set-up is retried on every call until the server answers, so Segue starts,
and serves everything but search, while the engine is down.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
import msgspec
import structlog
import typesense
from typesense.exceptions import ObjectNotFound

from segue.errors import ConfigError
from segue.slots.search import SearchDocument, SearchHit, SearchRequest, SearchResult

log = structlog.get_logger("segue.search")
R = TypeVar("R")

FIELDS: list[dict[str, Any]] = [
    {"name": "kind", "type": "string", "facet": True},
    {"name": "ref", "type": "string", "index": False, "optional": True},
    {"name": "label", "type": "string", "index": False, "optional": True},
    {"name": "detail", "type": "string", "index": False, "optional": True},
    {"name": "name_terms", "type": "string"},
    {"name": "artist_terms", "type": "string", "optional": True},
    {"name": "album_terms", "type": "string", "optional": True},
    {"name": "phrases", "type": "string[]", "optional": True},
    {"name": "genres", "type": "string[]", "facet": True, "optional": True},
    {"name": "years", "type": "int32[]", "facet": True, "optional": True},
    {"name": "popularity", "type": "int64"},
]


def _fields(document: SearchDocument) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(document)
    return data


def _quote(value: str) -> str:
    return "`" + value.replace("`", "") + "`"


class TypesenseSearch:
    """The ``typesense`` search backend."""

    def __init__(self, url: str, api_key: str, collection: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                [
                    f"plugins.search-typesense.url: {url!r} is not an http(s) URL, "
                    "e.g. http://127.0.0.1:8108"
                ]
            )
        if not api_key:
            raise ConfigError(
                [
                    "plugins.search-typesense.api_key: Typesense needs an API key "
                    "(the server's --api-key, or a key allowed to manage collections)"
                ]
            )
        self.url = url
        self.alias = collection
        with warnings.catch_warnings():  # the client warns about its own deprecated parts
            warnings.simplefilter("ignore", DeprecationWarning)
            self._client: Any = typesense.Client(
                {
                    "nodes": [
                        {
                            "host": parts.hostname,
                            "port": parts.port or (443 if parts.scheme == "https" else 8108),
                            "protocol": parts.scheme,
                        }
                    ],
                    "api_key": api_key,
                    "connection_timeout_seconds": timeout,
                    "num_retries": 1,
                    "retry_interval_seconds": 0.1,
                }
            )
        self._ready = False
        self._setup_lock = anyio.Lock()

    # --- lifecycle -------------------------------------------------------
    async def start(self) -> None:
        try:
            await self._ensure()
        except Exception as exc:  # not fatal: search answers 503 until the engine is back
            log.warning("typesense is not reachable yet", url=self.url, error=repr(exc))

    async def ping(self) -> None:
        try:
            healthy = await anyio.to_thread.run_sync(self._client.operations.is_healthy)
        except Exception as exc:
            raise ConnectionError(f"typesense at {self.url} did not answer: {exc}") from exc
        if not healthy:
            raise ConnectionError(f"typesense at {self.url} reports it is not healthy")

    async def close(self) -> None:
        self._ready = False

    async def _ensure(self) -> None:
        if self._ready:
            return
        async with self._setup_lock:
            if not self._ready:
                await anyio.to_thread.run_sync(self._create_alias)
                self._ready = True

    def _create_alias(self) -> None:
        try:
            self._client.aliases[self.alias].retrieve()
        except ObjectNotFound:
            name = self._new_collection()
            self._client.aliases.upsert(self.alias, {"collection_name": name})

    def _new_collection(self) -> str:
        name = f"{self.alias}_{time.time_ns()}"
        self._client.collections.create(
            {"name": name, "fields": FIELDS, "default_sorting_field": "popularity"}
        )
        return name

    async def _call(self, fn: Callable[[], R]) -> R:
        await self._ensure()
        return await anyio.to_thread.run_sync(fn)

    def _documents(self, collection: str | None = None) -> Any:
        return self._client.collections[collection or self.alias].documents

    # --- writes ----------------------------------------------------------
    async def upsert(self, documents: Sequence[SearchDocument]) -> None:
        if documents:
            docs = [_fields(d) for d in documents]
            await self._call(lambda: _import(self._documents(), docs))

    async def delete(self, document_ids: Sequence[str]) -> None:
        if document_ids:
            ids = ",".join(_quote(i) for i in document_ids)
            await self._call(lambda: self._documents().delete({"filter_by": f"id:[{ids}]"}))

    async def replace_all(self, batches: AsyncIterator[Sequence[SearchDocument]]) -> int:
        """Fill a new collection, point the alias at it, drop the old one."""
        await self._ensure()
        name = await anyio.to_thread.run_sync(self._new_collection)
        total = 0
        async for batch in batches:
            await anyio.to_thread.run_sync(
                _import, self._documents(name), [_fields(d) for d in batch]
            )
            total += len(batch)

        def switch() -> None:
            old = self._client.aliases[self.alias].retrieve().get("collection_name")
            self._client.aliases.upsert(self.alias, {"collection_name": name})
            if old and old != name:
                self._client.collections[old].delete()

        await anyio.to_thread.run_sync(switch)
        return total

    # --- reads -----------------------------------------------------------
    async def count(self) -> int:
        info = await self._call(lambda: self._client.collections[self.alias].retrieve())
        return int(info.get("num_documents") or 0)

    async def search(self, request: SearchRequest) -> SearchResult:
        if not request.words:
            return SearchResult(hits=[], total=0)
        filters = [f"kind:={_quote(request.kind)}"]
        if request.genre is not None:
            filters.append(f"genres:={_quote(request.genre)}")
        if request.year is not None:
            filters.append(f"years:={int(request.year)}")
        params = {
            "q": " ".join(w.text for w in request.words),
            "query_by": "name_terms,artist_terms,album_terms",
            "query_by_weights": "3,2,1",
            "prefix": "true",
            "num_typos": 2,
            "min_len_1typo": 5,
            "min_len_2typo": 9,
            "drop_tokens_threshold": 0,
            "filter_by": " && ".join(filters),
            "sort_by": "_text_match:desc,popularity:desc",
            "include_fields": "ref,label,detail",
            "limit": request.limit,
            "offset": request.offset,
        }
        found = await self._call(lambda: self._documents().search(params))
        hits = [
            SearchHit(
                kind=request.kind,
                ref=str(h["document"]["ref"]),
                label=str(h["document"]["label"]),
                detail=str(h["document"].get("detail") or ""),
                score=float(h.get("text_match") or 0),
            )
            for h in found.get("hits", [])
        ]
        return SearchResult(hits=hits, total=int(found.get("found") or 0))


def _import(documents: Any, docs: list[dict[str, Any]]) -> None:
    results = documents.import_(docs, {"action": "upsert"})
    failed = [r for r in results if not r.get("success")]
    if failed:
        raise RuntimeError(f"typesense refused {len(failed)} documents, e.g.: {failed[0]}")
