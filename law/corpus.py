"""Rows of a legal corpus from a file: JSON (a list), JSON Lines, or CSV with a header.

Each row is one article: `law_id`, `law_title`, `article`, `heading`, `text` (the format of
`evaluate_legal_search`'s LAWS.jsonl); law/services.py: `import_corpus` reads the optional keys.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from live.errors import InvalidMessage


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Every row of a .json, .jsonl or .csv file, as dictionaries."""
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [dict(row) for row in csv.DictReader(text.splitlines())]
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    elif suffix == ".json":
        rows = json.loads(text)
    else:
        raise InvalidMessage(_("A corpus is a .json, .jsonl or .csv file."), code="invalid_file")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise InvalidMessage(_("Each row of the corpus must be an object."), code="invalid_file")
    return rows
