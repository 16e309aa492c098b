"""Folding and query rules shared by every backend."""

from __future__ import annotations

import pytest

from segue.search import text
from segue.search.query import match_words


@pytest.mark.parametrize(
    ("raw", "terms"),
    [
        ("Beyoncé", ["beyonce"]),
        ("Motörhead", ["motorhead"]),
        ("AC/DC", ["ac", "dc", "acdc"]),
        ("R.E.M.", ["r", "e", "m", "rem"]),
        ("Guns N\u2019 Roses", ["guns", "n", "roses"]),
        ("Don't Stop", ["dont", "stop"]),
        ("blink-182", ["blink", "182", "blink182"]),
        ("Sigur Rós", ["sigur", "ros"]),
        ("Straße", ["strasse"]),
        ("Ænima", ["aenima"]),
        ("Simon & Garfunkel", ["simon", "and", "garfunkel"]),
        ("宇多田ヒカル", ["宇多田ヒカル"]),
        ("Кино", ["кино"]),
    ],
)
def test_terms_fold_case_accents_and_punctuation(raw: str, terms: list[str]) -> None:
    assert text.terms(raw) == terms


@pytest.mark.parametrize(
    ("word", "typos"), [("abba", 0), ("queen", 1), ("beatless", 1), ("zeppelins", 2)]
)
def test_typos_allowed_follow_word_length(word: str, typos: int) -> None:
    assert text.typos_allowed(word) == typos


def test_match_words_prefix_rules() -> None:
    words = match_words("The bohem rhaps")
    assert [(w.text, w.typos, w.prefix) for w in words] == [
        ("the", 0, False),
        ("bohem", 1, True),
        ("rhaps", 1, True),
    ]
    assert match_words("?!") == ()
    assert [w.prefix for w in match_words("a b")] == [False, True]
