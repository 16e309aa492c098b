"""The embedded search backend: a Tantivy index in the data dir.

Writes open a writer for the duration of one batch and commit before they
return (then the writer and its lock are released), so a ``segue search
reindex`` run beside the server waits for the lock instead of failing;
readers see a commit as soon as it is done. Every Tantivy call runs on a
worker thread, never on the event loop.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread
import tantivy

from segue.slots.search import SearchDocument, SearchHit, SearchRequest, SearchResult
from segue_search_embedded.queries import build_query
from segue_search_embedded.schema import SCHEMA_VERSION, build_schema, to_tantivy

R = TypeVar("R")

LOCK_WAIT = 30.0
"""Seconds a write waits for another process (a reindex) to release the index."""


class IndexBusy(RuntimeError):
    pass


class EmbeddedSearch:
    """The ``embedded`` search backend (see the module docstring)."""

    def __init__(self, directory: Path, *, writer_memory_mb: int = 64) -> None:
        self.directory = directory
        self.path = directory / f"tantivy-v{SCHEMA_VERSION}"
        self._heap = max(writer_memory_mb, 15) * 1_000_000
        self._schema = build_schema()
        self._index: tantivy.Index | None = None
        self._write_lock = anyio.Lock()

    # --- lifecycle -------------------------------------------------------
    async def start(self) -> None:
        self._index = await anyio.to_thread.run_sync(self._open)

    def _open(self) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        for old in self.directory.glob("tantivy-v*"):
            if old != self.path:  # an index of an older schema: rebuilt from the catalog
                shutil.rmtree(old, ignore_errors=True)
        return tantivy.Index(self._schema, path=str(self.path), reuse=True)

    async def ping(self) -> None:
        await self._run(lambda index: index.searcher().num_docs)

    async def close(self) -> None:
        self._index = None

    # --- writes ----------------------------------------------------------
    async def upsert(self, documents: Sequence[SearchDocument]) -> None:
        if documents:
            await self._write(lambda writer: _upsert(writer, documents))

    async def delete(self, document_ids: Sequence[str]) -> None:
        if document_ids:
            await self._write(lambda writer: _delete(writer, document_ids))

    async def replace_all(self, batches: AsyncIterator[Sequence[SearchDocument]]) -> int:
        """Everything in one writer and one commit: searches see the old index until then."""
        async with self._write_lock:
            writer = await self._run(self._writer)
            try:
                await anyio.to_thread.run_sync(writer.delete_all_documents)
                total = 0
                async for batch in batches:
                    await anyio.to_thread.run_sync(_add_all, writer, batch)
                    total += len(batch)
                await anyio.to_thread.run_sync(_commit, writer)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(writer.rollback)
                raise
            finally:
                del writer
            await self._run(lambda index: index.reload())
            return total

    async def _write(self, apply: Callable[[tantivy.IndexWriter], None]) -> None:
        async with self._write_lock:

            def work(index: tantivy.Index) -> None:
                writer = self._writer(index)
                apply(writer)
                _commit(writer)
                del writer
                index.reload()

            await self._run(work)

    def _writer(self, index: tantivy.Index) -> tantivy.IndexWriter:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                return index.writer(heap_size=self._heap, num_threads=1)
            except ValueError as exc:  # LockBusy: another process writes (a reindex)
                if time.monotonic() > deadline:
                    raise IndexBusy(
                        f"the search index in {self.path} is locked by another process "
                        f"for more than {LOCK_WAIT:.0f} s: {exc}"
                    ) from exc
                time.sleep(0.2)

    # --- reads -----------------------------------------------------------
    async def count(self) -> int:
        return await self._run(lambda index: int(index.searcher().num_docs))

    async def search(self, request: SearchRequest) -> SearchResult:
        return await self._run(lambda index: self._search(index, request))

    def _search(self, index: tantivy.Index, request: SearchRequest) -> SearchResult:
        if not request.words:
            return SearchResult(hits=[], total=0)
        searcher = index.searcher()
        found = searcher.search(
            build_query(self._schema, request),
            limit=request.limit,
            count=request.count,
            offset=request.offset,
            weight_by_field="weight",
        )
        hits = []
        for score, address in found.hits:
            doc = searcher.doc(address)
            hits.append(
                SearchHit(
                    kind=request.kind,
                    ref=str(doc.get_first("ref")),
                    label=str(doc.get_first("label")),
                    detail=str(doc.get_first("detail") or ""),
                    score=float(score),
                )
            )
        # ``count`` is missing from tantivy's type stubs but set when asked for.
        total: int | None = getattr(found, "count", None)
        return SearchResult(hits=hits, total=int(total or 0) if request.count else 0)

    async def _run(self, fn: Callable[[tantivy.Index], R]) -> R:
        index = self._index
        if index is None:
            raise RuntimeError("the embedded search index is not open (backend not started)")
        return await anyio.to_thread.run_sync(fn, index)


def _upsert(writer: tantivy.IndexWriter, documents: Sequence[SearchDocument]) -> None:
    _delete(writer, [d.id for d in documents])
    _add_all(writer, documents)


def _add_all(writer: tantivy.IndexWriter, documents: Sequence[SearchDocument]) -> None:
    for document in documents:
        writer.add_document(to_tantivy(document))


def _delete(writer: tantivy.IndexWriter, document_ids: Sequence[str]) -> None:
    for document_id in document_ids:
        writer.delete_documents_by_term("id", document_id)


def _commit(writer: tantivy.IndexWriter) -> None:
    writer.commit()
    writer.wait_merging_threads()
