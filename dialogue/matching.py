"""Matching questions as Vietnamese is typed: folded case and diacritics, word order ignored.

Vietnamese is often typed without diacritics ("dat dai" for "đất đai"). The moderators' screening
(moderation/screening.py) flags likely duplicates with `likely_duplicates`; the citizen's ask box
suggests similar questions with the same function while the question is typed.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

# Folding lives with the legal library's search, below every app that matches text.
from law.text import fold

__all__ = ["DUPLICATE_SCORE", "fold", "likely_duplicates"]

# How alike two questions must be (0–100, rapidfuzz token set ratio) to be shown as duplicates.
DUPLICATE_SCORE = 82


def likely_duplicates(
    text: str, others: dict[int, str], *, limit: int = 3, folded: bool = False
) -> list[tuple[int, int]]:
    """Ids and scores of the questions most like `text` (folded, word order ignored).

    `folded`: the texts of `others` are folded already (a cached list, say).
    """
    choices = others if folded else {pk: fold(other) for pk, other in others.items()}
    matches = process.extract(
        fold(text), choices, scorer=fuzz.token_set_ratio, score_cutoff=DUPLICATE_SCORE, limit=limit
    )
    return [(int(key), round(score)) for _choice, score, key in matches]
