"""The heading parser of drafts: one parser for drafts and laws, kept in law/parser.py."""

from __future__ import annotations

from law.parser import (
    ParsedArticle,
    ParsedChapter,
    ParsedClause,
    ParsedDocument,
    parse_draft,
)

__all__ = ["ParsedArticle", "ParsedChapter", "ParsedClause", "ParsedDocument", "parse_draft"]
