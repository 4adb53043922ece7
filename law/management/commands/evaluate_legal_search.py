"""`manage.py evaluate_legal_search LAWS.jsonl QUESTIONS.jsonl`: the ranker against a labelled set.

The laws are indexed in memory from the file (the library in the database is not touched),
with the shipped thesaurus. The plain BM25 baseline is measured in the same run. The last line
is `hit@5 all=0.xx page=0.xx` (page: the questions whose qid starts with `page-`; n/a if none).

`--learned ANSWERED.jsonl` (lines as in QUESTIONS.jsonl): questions answered earlier by citing
their relevant articles, which the ranker learns from as it does from the citations officials
accept. Keep them apart from the questions measured.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from law.evaluation import entries_of, evaluate, learned_of
from law.matching import Index, shipped_thesaurus


def _jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as error:
        raise CommandError(f"{path}: {error}") from error


class Command(BaseCommand):
    help = (
        "Measure the legal search on a labelled set: hit@1, hit@5 and MRR@10 for all questions "
        "and for those whose qid starts with 'page-', beside plain BM25."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("laws", type=Path, help="LAWS.jsonl: law_id, law_title, article, …")
        parser.add_argument("questions", type=Path, help="QUESTIONS.jsonl: qid, question, …")
        parser.add_argument(
            "--learned",
            type=Path,
            help="ANSWERED.jsonl, as QUESTIONS.jsonl: questions answered by citing their articles",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        laws = _jsonl(options["laws"])
        questions = _jsonl(options["questions"])
        answered = _jsonl(options["learned"]) if options["learned"] else []
        try:
            entries = entries_of(laws, learned_of(answered))
            for question in questions:
                question["qid"], question["question"], question["relevant"]
        except KeyError as error:
            raise CommandError(f"a line lacks the key {error}") from error
        page_count = sum(str(q["qid"]).startswith("page-") for q in questions)
        learned = f", {len(answered)} learned from" if answered else ""
        self.stdout.write(
            f"{len(entries)} articles, {len(questions)} questions ({page_count} page-){learned}"
        )
        reports = []
        for name, plain in (("baseline (plain BM25)", True), ("ranker", False)):
            started = time.perf_counter()
            index = Index(entries, thesaurus=shipped_thesaurus(), plain=plain)
            built = time.perf_counter() - started
            report = evaluate(index, questions)
            self.stdout.write(
                f"{name}: index built in {built:.2f} s; "
                f"per question p50 {report.p50_ms:.1f} ms, p99 {report.p99_ms:.1f} ms"
            )
            self.stdout.write(f"  all:  {report.all.line()}")
            self.stdout.write(f"  page: {report.page.line()}")
            reports.append(report)
        final = reports[-1]
        page = f"{final.page.hit5:.2f}" if final.page.count else "n/a"
        self.stdout.write(f"hit@5 all={final.all.hit5:.2f} page={page}")
