"""`manage.py evaluate_themes LAWS.jsonl THEMES.jsonl`: how well the themes of a live room group
questions, against a labelled set.

Each line of THEMES.jsonl is `{"qid", "question", "theme"}`: questions with the same `theme` belong
together. The laws (as for `evaluate_legal_search`) are indexed in memory; the library in the
database is not touched. The questions are grouped in the file's order, as if asked so, and the
grouping is scored pair by pair: precision (of the pairs put together, the share that belong
together) and recall (of the pairs that belong together, the share put together). Beside it: the
same grouping on the questions' words alone, without the articles.
"""

from __future__ import annotations

import json
import time
from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from law.evaluation import entries_of
from law.matching import Index, shipped_thesaurus
from moderation.themes import Asked, Features, features, group, pairwise


def _jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as error:
        raise CommandError(f"{path}: {error}") from error


def _known(featured: dict[int, Features], question: Asked) -> Features:
    return featured[question.id]


class Command(BaseCommand):
    help = "Measure the grouping of questions into themes: pairwise precision and recall."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("laws", type=Path, help="LAWS.jsonl: law_id, law_title, article, …")
        parser.add_argument("themes", type=Path, help="THEMES.jsonl: qid, question, theme")

    def handle(self, *args: Any, **options: Any) -> None:
        index = Index(entries_of(_jsonl(options["laws"])), thesaurus=shipped_thesaurus())
        try:
            rows = _jsonl(options["themes"])
            asked = [Asked(number, str(row["question"])) for number, row in enumerate(rows)]
            gold = {number: str(row["theme"]) for number, row in enumerate(rows)}
        except KeyError as error:
            raise CommandError(f"a line lacks the key {error}") from error
        found = {q.id: features(index, q.text) for q in asked}
        wordy = {pk: Features(f.terms, ()) for pk, f in found.items()}
        self.stdout.write(f"{len(asked)} questions in {len(set(gold.values()))} themes")
        for name, featured in (("words alone", wordy), ("words and articles", found)):
            started = time.perf_counter()
            themes = group(asked, partial(_known, featured))
            seconds = time.perf_counter() - started
            precision, recall = pairwise([t.questions for t in themes], gold)
            self.stdout.write(
                f"{name}: {len(themes)} themes, pairwise precision={precision:.3f} "
                f"recall={recall:.3f}; grouped in {seconds * 1000:.0f} ms"
            )
