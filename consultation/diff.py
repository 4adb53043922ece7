"""A word-by-word comparison of two versions of an article, for people to read.

Words are compared, not characters: "06 tháng" becoming "09 tháng" reads as one word struck out
and one put in. Spaces and line breaks travel with the word before them, so the unchanged and
inserted pieces put back together are the new text exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

WORD = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Piece:
    kind: Literal["same", "deleted", "inserted"]
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """The pieces that read the old text into the new one, neighbours of a kind joined."""
    before, after = WORD.findall(old), WORD.findall(new)
    # Matched on the words alone: a word that gained a line break after it is the same word.
    matcher = SequenceMatcher(None, [w.strip() for w in before], [w.strip() for w in after])
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _add(pieces, "same", "".join(after[j1:j2]))
            continue
        _add(pieces, "deleted", "".join(before[i1:i2]))
        _add(pieces, "inserted", "".join(after[j1:j2]))
    return pieces


def _add(pieces: list[Piece], kind: Literal["same", "deleted", "inserted"], text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].kind == kind:
        pieces[-1] = Piece(kind, pieces[-1].text + text)
    else:
        pieces.append(Piece(kind, text))
