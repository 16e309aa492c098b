"""The search slot: typo-tolerant search over the catalog.

The engine-independent half lives in ``segue.search``: it folds text
(``segue.search.text``), builds the documents from the catalog
(``segue.search.documents``), turns what a user typed into
:class:`MatchWord` rules (``segue.search.query``) and keeps the index in
step with the catalog (``segue.search.indexer``). A backend stores
:class:`SearchDocument` records and answers :class:`SearchRequest` with the
rules it is given, so that every engine behaves the same:

* each word matches a document term exactly, as a prefix when ``prefix``
  is set, or with up to ``typos`` edits (a swap of two letters is one edit);
* every word must match (in any of the document's text fields);
* ranking: words matched exactly beat prefixes, which beat typos (fewer
  typos first); then a whole field equal to the query (``phrase``) and words
  found in the name before the artist before the album; then popularity.
"""

from collections.abc import AsyncIterator, Sequence
from typing import Literal, Protocol, get_args

import msgspec

from segue.slots.base import Backend

SearchType = Literal["track", "artist", "album", "playlist"]
SEARCH_TYPES: tuple[SearchType, ...] = get_args(SearchType)
DocumentKind = Literal["track", "artist", "album"]
"""Kinds of documents backends store (playlists come with the playlists slot)."""
DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)


class SearchQuery(msgspec.Struct, kw_only=True):
    """A search as the API receives it (before folding)."""

    text: str
    types: list[SearchType] = msgspec.field(default_factory=lambda: list(SEARCH_TYPES))
    limit: int = 20
    offset: int = 0
    genre: str | None = None
    year: int | None = None


class SearchHits(msgspec.Struct, kw_only=True):
    """Ids of matches by type, best first, with the total per type."""

    ids: dict[str, list[str]]
    totals: dict[str, int]


class SearchDocument(msgspec.Struct, kw_only=True):
    """One searchable thing (a track, an artist or an album), already folded.

    The ``*_terms`` fields hold folded words separated by spaces (see
    ``segue.search.text.terms``): engines index them with a plain
    whitespace/word tokenizer and need no language analysis of their own.
    """

    id: str
    """Unique across kinds: ``"<kind>:<ref>"``."""
    kind: DocumentKind
    ref: str
    """The catalog id of the track, artist or album."""
    label: str
    """What a suggestion shows (a title or a name), not folded."""
    detail: str = ""
    """Second line of a suggestion ("Queen · A Night at the Opera"), not folded."""
    name_terms: str
    artist_terms: str = ""
    album_terms: str = ""
    phrases: list[str] = []
    """Whole fields folded (``segue.search.text.phrase``): a query equal to one is an exact match."""
    genres: list[str] = []
    """Folded genre names, for filtering."""
    years: list[int] = []
    popularity: int = 0
    """Plays: the track's play count, an album's or artist's total."""

    @property
    def all_terms(self) -> str:
        return " ".join(t for t in (self.name_terms, self.artist_terms, self.album_terms) if t)


class MatchWord(msgspec.Struct, frozen=True, kw_only=True):
    """One folded query word and how loosely it may match."""

    text: str
    typos: int
    """Edits allowed (0, 1 or 2: Meilisearch's rule by word length)."""
    prefix: bool
    """It may match the start of a longer term (the word being typed)."""


class SearchRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What a backend answers: one kind of document, one page."""

    kind: DocumentKind
    words: tuple[MatchWord, ...]
    phrase: str
    """The folded query; a document with an equal ``phrases`` entry ranks first."""
    genre: str | None = None
    """Folded genre the document must have."""
    year: int | None = None
    limit: int = 20
    offset: int = 0
    count: bool = True
    """Whether ``total`` is needed (as-you-type suggestions skip counting)."""


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    kind: DocumentKind
    ref: str
    label: str
    detail: str
    score: float = 0.0
    """The engine's relevance: comparable between hits of one search, not across engines."""


class SearchResult(msgspec.Struct, kw_only=True):
    hits: list[SearchHit]
    total: int
    """Matches in all (0 when the request did not ask to count)."""


class SearchBackend(Backend, Protocol):
    """Stores search documents and answers search requests. Default: ``embedded``.

    ``ping`` and every method raise when the engine cannot be reached; the
    core turns that into a 503 for searches and retries index updates later.
    """

    async def upsert(self, documents: Sequence[SearchDocument]) -> None:
        """Add documents or replace those with the same ``id``; visible once this returns."""
        ...

    async def delete(self, document_ids: Sequence[str]) -> None:
        """Remove documents by ``id``; unknown ids are ignored."""
        ...

    async def replace_all(self, batches: AsyncIterator[Sequence[SearchDocument]]) -> int:
        """Replace the whole index with the documents of ``batches``; return how many.

        Searches keep answering from the old index while this runs where the
        engine allows it (embedded: one commit at the end; external engines:
        a new index swapped in).
        """
        ...

    async def count(self) -> int:
        """Documents in the index (0 for a new, empty index)."""
        ...

    async def search(self, request: SearchRequest) -> SearchResult: ...
