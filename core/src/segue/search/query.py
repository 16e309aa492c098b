"""Turning what a user typed into match rules (the same for every backend)."""

from __future__ import annotations

from segue.search import text
from segue.slots.search import MatchWord

MAX_WORDS = 8
"""Words beyond this are ignored: a pasted paragraph must not cost a second."""
PREFIX_MIN_LENGTH = 4
"""Words before the last one may also match as prefixes from this length ("bohem rhaps")."""


def match_words(query: str) -> tuple[MatchWord, ...]:
    """The folded words of ``query`` with their typo and prefix allowances.

    The last word is always a prefix (it is being typed). Earlier words are
    prefixes too from ``PREFIX_MIN_LENGTH`` letters: people shorten every
    word ("bohem rhaps"); whole-word matches still rank above them.
    """
    found = text.words(query)[:MAX_WORDS]
    last = len(found) - 1
    return tuple(
        MatchWord(
            text=word,
            typos=text.typos_allowed(word),
            prefix=i == last or len(word) >= PREFIX_MIN_LENGTH,
        )
        for i, word in enumerate(found)
    )
