"""Screening that helps moderators: banned words and likely duplicates, shown beside a question.

Nothing here drops or hides a question; it only flags. Vietnamese is often typed without
diacritics ("dat dai" for "đất đai"), so matching folds case and diacritics, but a word typed
*with* diacritics must match them: "đeo" (to wear) does not match the banned "đéo".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

_WORD = re.compile(r"\w+", re.UNICODE)

# How alike two questions must be (0–100, rapidfuzz token set ratio) to be shown as duplicates.
DUPLICATE_SCORE = 82


def fold(text: str) -> str:
    """Lower case, without diacritics, NFC; "Đất Đai" and "dat dai" fold alike."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d")


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


def _word_matches(typed: str, banned: str) -> bool:
    if typed == banned:
        return True
    # Typed without diacritics: compare with the banned word's bare form.
    return fold(typed) == typed and fold(banned) == typed


def banned_words_in(text: str, phrases: Iterable[str]) -> list[str]:
    """The banned phrases that occur in `text`, whole words only, in the list's spelling."""
    words = _words(text)
    found = []
    for phrase in phrases:
        target = _words(phrase)
        if not target:
            continue
        width = len(target)
        for start in range(len(words) - width + 1):
            window = words[start : start + width]
            if all(
                _word_matches(typed, banned) for typed, banned in zip(window, target, strict=True)
            ):
                found.append(phrase)
                break
    return found


def likely_duplicates(
    text: str, others: dict[int, str], *, limit: int = 3
) -> list[tuple[int, int]]:
    """Ids and scores of the questions most like `text` (folded, word order ignored)."""
    choices = {pk: fold(other) for pk, other in others.items()}
    matches = process.extract(
        fold(text), choices, scorer=fuzz.token_set_ratio, score_cutoff=DUPLICATE_SCORE, limit=limit
    )
    return [(int(key), round(score)) for _choice, score, key in matches]
