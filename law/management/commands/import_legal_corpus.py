"""`manage.py import_legal_corpus FILE...`: articles in bulk from JSON, JSON Lines or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from law.corpus import read_rows
from law.services import import_corpus
from live.errors import InvalidMessage


class Command(BaseCommand):
    help = (
        "Import legal documents article by article from .json, .jsonl or .csv files, each row "
        "{law_id, law_title, article, heading, text} (and optionally law_number, issuing_body, "
        "issued_on, effective_on, status, legal_field, source, slug)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--replace", action="store_true", help="Import anew a document already present."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"]:
            try:
                documents = import_corpus(read_rows(path), replace=options["replace"])
            except (InvalidMessage, OSError, ValueError) as error:
                raise CommandError(f"{path}: {error}") from error
            for document in documents:
                self.stdout.write(
                    f"{document.title}: {document.articles.count()} articles "
                    f"({document.get_absolute_url()})"
                )
