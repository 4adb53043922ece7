"""Screening that helps moderators: banned words and likely duplicates, shown beside a question.

Nothing here drops or hides a question; it only flags. Vietnamese is often typed without
diacritics ("dat dai" for "đất đai"), so matching folds case and diacritics, but a word typed
*with* diacritics must match them: "đeo" (to wear) does not match the banned "đéo".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from dialogue.matching import fold, likely_duplicates

__all__ = ["banned_words_in", "fold", "likely_duplicates"]

_WORD = re.compile(r"\w+", re.UNICODE)


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
