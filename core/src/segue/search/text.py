"""Folding text for search: case, accents and punctuation, the same for documents and queries.

"Beyoncé" -> ``beyonce``, "Motörhead" -> ``motorhead``, "AC/DC" -> ``ac dc``
plus the compound ``acdc`` (words joined by punctuation are also indexed
glued together, so "acdc" finds "AC/DC" and "blink182" finds "blink-182").
Apostrophes join instead of splitting ("Guns N' Roses" -> ``guns n roses``,
"Don't" -> ``dont``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that Unicode decomposition does not split into a base letter + accent.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "\u0131": "i",  # dotless i
        "&": " and ",
        "'": "",
        "\u2019": "",  # right single quotation mark, the typographic apostrophe
        "\u2018": "",
        "`": "",
        "\u00b4": "",  # acute accent used as an apostrophe
    }
)
# A word: letters and digits of any script (\w without the underscore).
_WORD = re.compile(r"[^\W_]+")
# Runs of words separated by punctuation only (no whitespace): "ac/dc", "r.e.m.".
_GLUED = re.compile(r"[^\W_]+(?:[^\w\s]+[^\W_]+)+")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes dropped; punctuation is kept."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold()


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))


def terms(text: str) -> list[str]:
    """What a document field is indexed as: its folded words, then its glued compounds."""
    folded = fold(text)
    found = _WORD.findall(folded)
    for glued in _GLUED.findall(folded):
        found.append("".join(_WORD.findall(glued)))
    return found


def phrase(text: str) -> str:
    """The folded words joined by single spaces: compares whole fields for exactness."""
    return " ".join(words(text))


def typos_allowed(word: str) -> int:
    """Meilisearch's rule: no typo under 5 letters, 1 typo from 5, 2 from 9."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0
