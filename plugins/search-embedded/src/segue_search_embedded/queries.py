"""Search requests as Tantivy queries: the contract's ranking as constant scores.

Each word is a disjunction-max of constant-score clauses, so a word scores
its best way of matching: exact term > prefix > one typo > two typos. Word
scores add up; whole-field equality and words found in the name (then the
artist, then the album) add small bonuses that never outweigh a step of
the word scale; popularity is applied last by Tantivy as a tiny factor (see
``schema.popularity_weight``), so it only breaks ties.
"""

from __future__ import annotations

import tantivy

from segue.slots.search import MatchWord, SearchRequest

EXACT, PREFIX, ONE_TYPO, TWO_TYPOS = 20.0, 14.0, 10.0, 8.0
PHRASE_BONUS = 1.5
FIELD_BONUS = {"name": 0.45, "artist": 0.3, "album": 0.15}

Occur = tantivy.Occur
Query = tantivy.Query


def _const(query: tantivy.Query, score: float) -> tantivy.Query:
    return Query.const_score_query(query, score)


def _filter(query: tantivy.Query) -> tantivy.Query:
    """A clause that selects documents without adding to their score."""
    return _const(query, 0.0)


def word_query(schema: tantivy.Schema, word: MatchWord) -> tantivy.Query:
    """One word, scored by its best way of matching a term of the document."""
    ways = [_const(Query.term_query(schema, "terms", word.text), EXACT)]
    if word.prefix:
        prefix = Query.fuzzy_term_query(schema, "terms", word.text, 0, True, True)
        ways.append(_const(prefix, PREFIX))
    if word.typos >= 1:
        one = Query.fuzzy_term_query(schema, "terms", word.text, 1, True, word.prefix)
        ways.append(_const(one, ONE_TYPO))
    if word.typos >= 2:
        two = Query.fuzzy_term_query(schema, "terms", word.text, 2, True, word.prefix)
        ways.append(_const(two, TWO_TYPOS))
    return Query.disjunction_max_query(ways)


def build_query(schema: tantivy.Schema, request: SearchRequest) -> tantivy.Query:
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [
        (Occur.Must, _filter(Query.term_query(schema, "kind", request.kind)))
    ]
    for word in request.words:
        clauses.append((Occur.Must, word_query(schema, word)))
        for field, bonus in FIELD_BONUS.items():
            clauses.append(
                (Occur.Should, _const(Query.term_query(schema, field, word.text), bonus))
            )
    if request.phrase:
        phrase = Query.term_query(schema, "phrase", request.phrase)
        clauses.append((Occur.Should, _const(phrase, PHRASE_BONUS)))
    if request.genre is not None:
        clauses.append((Occur.Must, _filter(Query.term_query(schema, "genre", request.genre))))
    if request.year is not None:
        clauses.append((Occur.Must, _filter(Query.term_query(schema, "year", request.year))))
    return Query.boolean_query(clauses)
