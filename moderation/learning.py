"""The legal search learns from the citations officials accept.

A question whose published answer cites articles of the legal library is, for the ranker, a
question those articles answer: `accepted_citations` gives the library's matcher
(`law.matching.set_learned_source`) the words of every such question that anyone may read —
published, not erased, its answer published — with the articles cited. The library rebuilds its
index when that changes: a citation added to or taken from an answer, an answer with citations
published, a question erased.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction

from dialogue.models import Citation
from dialogue.selectors import public_answers
from law.matching import library_changed

# The newest this many citations are learned from: enough for any library, bounded for a build.
LEARNED_CITATIONS = 20_000


def accepted_citations() -> dict[int, list[str]]:
    """{article id: the words of each question a readable published answer cites it for}."""
    rows = (
        Citation.objects.filter(answer__question__in=public_answers())
        .order_by("-pk")
        .values_list("article_id", "answer__question_id", "answer__question__text")
    )[:LEARNED_CITATIONS]
    learned: dict[int, list[str]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for article_id, question_id, text in rows:
        if (article_id, question_id) not in seen:  # two clauses of one article: learned once
            seen.add((article_id, question_id))
            learned[article_id].append(text)
    return dict(learned)


def citations_changed(**kwargs: Any) -> None:
    """What the ranker learns from may have changed: the library's index is built again."""
    transaction.on_commit(library_changed)
