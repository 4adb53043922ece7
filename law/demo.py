"""The demo's legal library: real articles of the Civil Code 2015 and the Law on Marriage and
Family 2014 (law/data/demo_library.jsonl, each line with its source)."""

from __future__ import annotations

from pathlib import Path

from law.corpus import read_rows
from law.models import LegalDocument
from law.services import import_corpus

DEMO_LIBRARY = Path(__file__).resolve().parent / "data" / "demo_library.jsonl"


def demo_slugs() -> list[str]:
    return sorted({str(row["slug"]) for row in read_rows(DEMO_LIBRARY)})


def create_demo_library() -> list[LegalDocument]:
    """The demo documents, imported anew (any earlier copy of them is replaced)."""
    return import_corpus(read_rows(DEMO_LIBRARY), replace=True)


def delete_demo_library() -> None:
    LegalDocument.objects.filter(slug__in=demo_slugs()).delete()
