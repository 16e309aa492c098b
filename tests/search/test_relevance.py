"""The relevance set (relevance.toml) on every backend: misspellings, accents, partial words,
multi-word queries, exactness and popularity, filters."""

from __future__ import annotations

from typing import Any

import pytest
from search_helpers import BACKENDS, OpenSearch, add_relevance_catalog, load_relevance

from segue.search import indexer, service
from segue.slots.search import SearchQuery

pytestmark = pytest.mark.anyio


def _check(query: dict[str, Any], labels: list[str], details: list[str], total: int) -> str | None:
    """What is wrong with these results for this query, or None."""
    if query.get("none") and labels:
        return f"expected nothing, got {labels}"
    if "first" in query and (not labels or labels[0] != query["first"]):
        return f"expected {query['first']!r} first, got {labels}"
    top = query.get("top")
    if top and labels[: len(top)] != top:
        return f"expected {top} first, got {labels}"
    artists = query.get("top_artists")
    if artists:
        shown = [d.split(" · ")[0] for d in details]
        if shown[: len(artists)] != artists:
            return f"expected artists {artists} first, got {shown}"
    missing = [x for x in query.get("includes", []) if x not in labels]
    if missing:
        return f"expected {missing} among {labels}"
    if "total" in query and total != query["total"]:
        return f"expected {query['total']} matches, got {total}: {labels}"
    return None


@pytest.mark.parametrize("backend", BACKENDS)
async def test_relevance_set(open_search: OpenSearch, backend: str) -> None:
    queries = [q for q in load_relevance()["queries"] if backend not in q.get("skip_on", [])]
    failures = []
    async with open_search(backend) as context:
        await add_relevance_catalog(context)
        await indexer.rebuild(context)
        for query in queries:
            kind = query["type"]
            found = await service.search(
                context,
                SearchQuery(
                    text=query["q"],
                    types=[kind],
                    limit=10,
                    genre=query.get("genre"),
                    year=query.get("year"),
                ),
            )
            result = found[kind]
            labels = [h.label for h in result.hits]
            details = [h.detail for h in result.hits]
            problem = _check(query, labels, details, result.total)
            if problem:
                where = ", ".join(f"{k}={query[k]!r}" for k in ("genre", "year") if k in query)
                failures.append(f"{kind} {query['q']!r} {where}: {problem}")
    assert not failures, (
        f"{len(failures)} of {len(queries)} relevance queries failed:\n" + "\n".join(failures)
    )
