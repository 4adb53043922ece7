"""How well a ranker finds the articles of a labelled set: hit@1, hit@5 and MRR@10.

The laws and questions come from files (`evaluate_legal_search`), so anyone can measure the
ranker on their own labelled set without touching the library. Questions whose `qid` starts
with `page-` are the citizen-style ones and are also counted apart.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from law.matching import Entry, Index

CITIZEN_PREFIX = "page-"


@dataclass(frozen=True)
class Scores:
    count: int
    hit1: float
    hit5: float
    mrr10: float

    def line(self) -> str:
        if not self.count:
            return "n=0"
        return f"n={self.count} hit@1={self.hit1:.3f} hit@5={self.hit5:.3f} MRR@10={self.mrr10:.3f}"


@dataclass(frozen=True)
class Report:
    all: Scores
    page: Scores
    p50_ms: float
    p99_ms: float


def learned_of(questions: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """The questions answered by citing each article, as the ranker learns them from the
    citations officials accept: {(law_id, article): [question, ...]}."""
    learned: dict[tuple[str, str], list[str]] = {}
    for question in questions:
        for relevant in question["relevant"]:
            key = (str(relevant["law_id"]), str(relevant["article"]))
            learned.setdefault(key, []).append(str(question["question"]))
    return learned


def entries_of(
    laws: Iterable[Mapping[str, Any]],
    learned: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> list[Entry]:
    learned = learned or {}
    return [
        Entry(
            key=(str(law["law_id"]), str(law["article"])),
            document_title=str(law.get("law_title") or law["law_id"]),
            number=str(law["article"]),
            heading=str(law.get("heading") or ""),
            text=str(law.get("text") or ""),
            legal_field=str(law.get("legal_field") or ""),
            asked="\n".join(learned.get((str(law["law_id"]), str(law["article"])), ())),
        )
        for law in laws
    ]


def _scores(ranks: Sequence[int | None]) -> Scores:
    count = len(ranks)
    if not count:
        return Scores(0, 0.0, 0.0, 0.0)
    found = [rank for rank in ranks if rank is not None]
    return Scores(
        count=count,
        hit1=sum(rank == 1 for rank in found) / count,
        hit5=sum(rank <= 5 for rank in found) / count,
        mrr10=sum(1 / rank for rank in found if rank <= 10) / count,
    )


def evaluate(index: Index, questions: Sequence[Mapping[str, Any]]) -> Report:
    """The ranks of the first relevant article among the top ten of each question, summed up."""
    ranks: list[tuple[bool, int | None]] = []
    times: list[float] = []
    for question in questions:
        relevant = {(str(r["law_id"]), str(r["article"])) for r in question["relevant"]}
        started = time.perf_counter()
        matches = index.search(str(question["question"]), limit=10)
        times.append(time.perf_counter() - started)
        rank = next((i for i, m in enumerate(matches, start=1) if m.key in relevant), None)
        ranks.append((str(question["qid"]).startswith(CITIZEN_PREFIX), rank))
    times.sort()

    def percentile(share: float) -> float:
        return 1000 * times[min(len(times) - 1, int(share * len(times)))] if times else 0.0

    return Report(
        all=_scores([rank for _page, rank in ranks]),
        page=_scores([rank for page, rank in ranks if page]),
        p50_ms=percentile(0.5),
        p99_ms=percentile(0.99),
    )
