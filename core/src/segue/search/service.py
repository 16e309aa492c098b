"""Running searches against the configured backend: one request per kind, engine errors as 503."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import anyio

from segue.context import SegueContext, SlotUnavailable
from segue.errors import SegueError
from segue.search import text
from segue.search.query import match_words
from segue.slots.search import (
    DOCUMENT_KINDS,
    DocumentKind,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchRequest,
    SearchResult,
)

T = TypeVar("T")

# Suggestions of equal score: artists, then albums, then tracks.
_KIND_ORDER: dict[DocumentKind, int] = {"artist": 0, "album": 1, "track": 2}


class SearchUnavailable(SlotUnavailable, SegueError):
    """The search engine cannot answer now (answered with 503; the rest of Segue works)."""


def search_backend(context: SegueContext) -> SearchBackend:
    backend = context.search
    if backend is None:
        raise SearchUnavailable(
            "search is turned off on this server: its [search] backend is 'none' "
            "(an admin can set it to 'embedded', 'meilisearch' or 'typesense')"
        )
    return backend


async def guarded(context: SegueContext, call: Awaitable[T]) -> T:
    """Await a backend call; an engine failure becomes :class:`SearchUnavailable`."""
    try:
        return await call
    except SlotUnavailable:
        raise
    except Exception as exc:
        name = context.backend_name("search")
        raise SearchUnavailable(
            f"search is unavailable: the '{name}' search engine did not answer "
            f"({type(exc).__name__}). Everything else keeps working; try again later."
        ) from exc


async def search(context: SegueContext, query: SearchQuery) -> dict[DocumentKind, SearchResult]:
    """One page of results for each document kind asked for (playlists are not indexed yet)."""
    backend = search_backend(context)
    words = match_words(query.text)
    genre = text.phrase(query.genre) if query.genre is not None else None
    kinds = [k for k in DOCUMENT_KINDS if k in query.types]
    requests = [
        SearchRequest(
            kind=kind,
            words=words,
            phrase=text.phrase(query.text),
            genre=genre,
            year=query.year,
            limit=query.limit,
            offset=query.offset,
        )
        for kind in kinds
    ]
    results = await _all(context, backend, requests)
    return dict(zip(kinds, results, strict=True))


async def _all(
    context: SegueContext, backend: SearchBackend, requests: list[SearchRequest]
) -> list[SearchResult]:
    """Run the requests concurrently; the first failure is raised as SearchUnavailable."""
    results: list[SearchResult | None] = [None] * len(requests)
    failures: list[SearchUnavailable] = []

    async def one(i: int) -> None:
        try:
            results[i] = await guarded(context, backend.search(requests[i]))
        except SearchUnavailable as exc:
            failures.append(exc)

    async with anyio.create_task_group() as tg:
        for i in range(len(requests)):
            tg.start_soon(one, i)
    if failures:
        raise failures[0]
    return [r for r in results if r is not None]


async def suggest(context: SegueContext, typed: str, limit: int) -> list[SearchHit]:
    """A few mixed suggestions for what is being typed: best score first, no counting."""
    backend = search_backend(context)
    words = match_words(typed)
    requests = [
        SearchRequest(kind=kind, words=words, phrase=text.phrase(typed), limit=limit, count=False)
        for kind in DOCUMENT_KINDS
    ]
    found: list[SearchHit] = [
        hit for result in await _all(context, backend, requests) for hit in result.hits
    ]
    found.sort(key=lambda hit: (-hit.score, _KIND_ORDER[hit.kind]))
    return found[:limit]
