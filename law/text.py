"""Vietnamese text as it is searched: folded case and diacritics, syllables and their pairs.

Vietnamese is often typed without diacritics ("dat dai" for "đất đai"), and its words are
syllables separated by spaces ("quyền sử dụng đất" is three words of one term). Every search
here compares folded syllables; pairs of neighbouring syllables stand in for compound words.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

SYLLABLE = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, without diacritics, NFC; "Đất Đai" and "dat dai" fold alike."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d")


def syllables(text: str) -> list[str]:
    """The folded syllables (and numbers) of a text, in order."""
    return SYLLABLE.findall(fold(text))


def bigrams(words: list[str]) -> list[str]:
    """Each pair of neighbouring syllables, as one term: compound words without a dictionary."""
    return [f"{a}_{b}" for a, b in itertools.pairwise(words)]
