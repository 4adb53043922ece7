"""The labelled sets of the legal desk, made from ALQAC 2023 as its organisers released it.

    # a checkout of the public repository DucLong06/ALQAC2023 at commit 55629ffb2830, then:
    python -m bench.alqac ALQAC2023 legal-search

writes, into the output folder (kept outside this repository):

- `laws.jsonl`: each article of `data/training/all_articles_2023.json`, `{"law_id", "law_title",
  "article", "heading", "text", "source"}`; the heading is the first line of its text there;
- `questions.jsonl`: the labelled questions of `data/raw/train.json` and
  `data/raw/private_test.json`, `{"qid", "question", "relevant", "source"}`, for
  `manage.py evaluate_legal_search`;
- `themes.jsonl`: the same questions with their gold theme (the first article each cites), for
  `manage.py evaluate_themes`.

Every line names the file, and the key or `question_id`, it came from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPOSITORY = "DucLong06/ALQAC2023"
COMMIT = "55629ffb2830"
ARTICLES = "data/training/all_articles_2023.json"
QUESTION_FILES = {"train": "data/raw/train.json", "private": "data/raw/private_test.json"}


def _source(path: str, key: str) -> str:
    return f"{REPOSITORY}@{COMMIT}:{path}#{key}"


def laws(checkout: Path) -> list[dict[str, Any]]:
    rows = json.loads((checkout / ARTICLES).read_text(encoding="utf-8"))
    out = []
    for key, body in rows.items():
        law_id, _, article = key.rpartition("@")
        heading, _, text = body.strip().partition("\n")
        out.append(
            {
                "law_id": law_id,
                "law_title": law_id,
                "article": article,
                "heading": heading.strip(),
                "text": text.strip(),
                "source": _source(ARTICLES, key),
            }
        )
    return out


def questions(checkout: Path) -> list[dict[str, Any]]:
    out = []
    for prefix, path in QUESTION_FILES.items():
        for item in json.loads((checkout / path).read_text(encoding="utf-8")):
            relevant = [
                {"law_id": r["law_id"], "article": str(r["article_id"])}
                for r in item["relevant_articles"]
            ]
            out.append(
                {
                    "qid": f"{prefix}-{item['question_id']}",
                    "question": item["text"],
                    "relevant": relevant,
                    "source": _source(path, item["question_id"]),
                }
            )
    return out


def themes(labelled: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Questions that cite the same article form one gold theme."""
    return [
        {
            "qid": q["qid"],
            "question": q["question"],
            "theme": f"{q['relevant'][0]['law_id']} @ {q['relevant'][0]['article']}",
            "source": q["source"],
        }
        for q in labelled
        if q["relevant"]
    ]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> None:
    checkout, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    labelled = questions(checkout)
    _write(out / "laws.jsonl", laws(checkout))
    _write(out / "questions.jsonl", labelled)
    _write(out / "themes.jsonl", themes(labelled))


if __name__ == "__main__":
    main(sys.argv[1:])
