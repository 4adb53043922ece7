"""Every write of the legal library: a document imported whole, or a corpus of articles in bulk.

Both go through the heading parser of drafts (law/parser.py): a pasted or uploaded law is read
as a draft is, and a corpus row ("Điều 5", its heading, its text) is read as that one article.
Every text, pasted, uploaded or read from a corpus, goes through the one cleaner first
(events/text.py): normalised, and refused if it holds a control character, before anything is
stored.
The matcher's index is rebuilt after each import (law/matching.py: `library_changed`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from events.text import clean_document
from law.matching import library_changed
from law.models import Article, Clause, LegalDocument, LegalField, Point
from law.parser import ParsedArticle, ParsedClause, parse_draft, split_points
from law.text import fold
from live.errors import InvalidMessage

TEXT_MAX_LENGTH = 2_000_000
YEAR = re.compile(r"/((?:19|20)\d\d)/")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class DocumentFacts:
    """What is known of a document besides its text."""

    title: str
    number: str = ""
    issuing_body: str = ""
    issued_on: date | None = None
    effective_on: date | None = None
    status: str = LegalDocument.Status.IN_FORCE
    legal_field: str = LegalField.OTHER
    source: str = ""
    slug: str = ""


def document_slug(facts: DocumentFacts) -> str:
    """ "luat-hon-nhan-va-gia-dinh-2014": the folded title and the year of its number."""
    if facts.slug:
        return facts.slug
    year = YEAR.search(f"/{facts.number}/")
    base = slugify(fold(facts.title))[:100] or "van-ban"
    if year and year.group(1) not in base:
        base = f"{base}-{year.group(1)}"
    return base


def _article_text(article: ParsedArticle) -> str:
    parts = [article.body] if article.body else []
    parts += [f"{clause.number}. {clause.text}" for clause in article.clauses]
    return "\n".join(parts)


def _store_articles(document: LegalDocument, articles: Iterable[tuple[str, ParsedArticle]]) -> None:
    """Articles, their clauses and points, in as few statements as the database allows."""
    rows: list[tuple[Article, list[ParsedClause]]] = []
    for position, (chapter, parsed) in enumerate(articles, start=1):
        rows.append(
            (
                Article(
                    document=document,
                    number=parsed.number,
                    heading=parsed.title[:500],
                    chapter=chapter[:300],
                    lead=parsed.body,
                    text=_article_text(parsed),
                    position=position,
                ),
                parsed.clauses,
            )
        )
    numbers = [article.number for article, _clauses in rows]
    if len(set(numbers)) != len(numbers):
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        raise InvalidMessage(
            _("Article %(numbers)s appears more than once.") % {"numbers": ", ".join(repeated)},
            code="repeated_article",
        )
    Article.objects.bulk_create([article for article, _clauses in rows])
    stored = {a.number: a for a in Article.objects.filter(document=document)}
    clauses: list[tuple[Clause, list[tuple[str, str]]]] = []
    for article, parsed_clauses in rows:
        for position, parsed_clause in enumerate(parsed_clauses, start=1):
            lead, points = split_points(parsed_clause.text)
            clauses.append(
                (
                    Clause(
                        article=stored[article.number],
                        number=parsed_clause.number,
                        text=lead,
                        position=position,
                    ),
                    points,
                )
            )
    created = Clause.objects.bulk_create([clause for clause, _points in clauses])
    Point.objects.bulk_create(
        Point(clause=clause, letter=letter, text=text, position=position)
        for clause, (_clause, points) in zip(created, clauses, strict=True)
        for position, (letter, text) in enumerate(points, start=1)
    )


def _new_document(facts: DocumentFacts, *, preamble: str = "") -> LegalDocument:
    title = facts.title.strip()
    if not title:
        raise InvalidMessage(_("A legal document needs a title."), code="invalid_title")
    slug = document_slug(facts)
    if LegalDocument.objects.filter(slug=slug).exists():
        raise InvalidMessage(
            _("The library already holds a document at “%(slug)s”.") % {"slug": slug},
            code="conflict",
        )
    return LegalDocument.objects.create(
        slug=slug,
        title=title[:300],
        number=facts.number[:60],
        issuing_body=facts.issuing_body[:200],
        issued_on=facts.issued_on,
        effective_on=facts.effective_on,
        status=facts.status,
        legal_field=facts.legal_field,
        source=facts.source[:500],
        preamble=preamble,
    )


def _cleaned(facts: DocumentFacts) -> DocumentFacts:
    """The facts' texts through the one cleaner (a control character in one refuses them)."""

    def clean(value: str) -> str:
        return clean_document(value, max_length=TEXT_MAX_LENGTH, field=_("text"))

    return replace(
        facts,
        title=clean(facts.title),
        number=clean(facts.number),
        issuing_body=clean(facts.issuing_body),
        source=clean(facts.source),
        slug=clean(facts.slug),
    )


@transaction.atomic
def import_document(*, facts: DocumentFacts, text: str) -> LegalDocument:
    """A whole document, pasted or uploaded, split into articles, clauses and points."""
    text = clean_document(text, max_length=TEXT_MAX_LENGTH, field=_("text"))
    parsed = parse_draft(text)
    document = _new_document(_cleaned(facts), preamble=parsed.preamble)
    chapters = [
        f"Chương {chapter.number}. {chapter.title}" if chapter.title else f"Chương {chapter.number}"
        for chapter in parsed.chapters
    ]
    _store_articles(
        document,
        (
            (chapters[article.chapter] if article.chapter is not None else "", article)
            for article in parsed.articles
        ),
    )
    transaction.on_commit(library_changed)
    return document


def parse_article(*, number: str, heading: str, text: str) -> ParsedArticle:
    """One article of a corpus, read by the heading parser as "Điều <number>. <heading>"."""
    parsed = parse_draft(f"Điều {number}. {heading}\n{text}")
    first = parsed.articles[0]
    if len(parsed.articles) > 1 or first.number.lower() != number.lower():
        # A line of the text that opens with "Điều 12 ..." is a reference, not a heading.
        return ParsedArticle(number=number, title=heading, chapter=None, body=text.strip())
    return first


@transaction.atomic
def import_corpus(
    rows: Iterable[Mapping[str, object]], *, replace: bool = False
) -> list[LegalDocument]:
    """Articles in bulk, one row each (`law_id`, `law_title`, `article`, `heading`, `text`).

    Optional keys, read from a document's first row: `law_number`, `issuing_body`, `issued_on`
    and `effective_on` (ISO dates), `status`, `legal_field`, `source`, `slug`. `replace`: a
    document already in the library is imported anew instead of refused.
    """
    laws: dict[str, tuple[DocumentFacts, list[tuple[str, ParsedArticle]]]] = {}
    for line, row in enumerate(rows, start=1):
        law_id = str(row.get("law_id") or "").strip()
        number = clean_document(
            str(row.get("article") or "").strip(), max_length=TEXT_MAX_LENGTH, field=_("text")
        )
        if not law_id or not number:
            raise InvalidMessage(
                _("Row %(line)d has no law_id or no article.") % {"line": line},
                code="invalid_row",
            )
        if law_id not in laws:
            laws[law_id] = (_cleaned(_facts_of(row, law_id)), [])
        heading, text, chapter = (
            clean_document(str(row.get(key) or ""), max_length=TEXT_MAX_LENGTH, field=_("text"))
            for key in ("heading", "text", "chapter")
        )
        article = parse_article(number=number, heading=heading, text=text)
        laws[law_id][1].append((chapter, article))
    documents = []
    for facts, articles in laws.values():
        if replace:
            LegalDocument.objects.filter(slug=document_slug(facts)).delete()
        document = _new_document(facts)
        _store_articles(document, articles)
        documents.append(document)
    transaction.on_commit(library_changed)
    return documents


def _facts_of(row: Mapping[str, object], law_id: str) -> DocumentFacts:
    def text(key: str) -> str:
        return str(row.get(key) or "").strip()

    def day(key: str) -> date | None:
        value = text(key)
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise InvalidMessage(
                _("%(field)s is not a date (YYYY-MM-DD): %(value)s")
                % {"field": key, "value": value},
                code="invalid_date",
            ) from None

    status = text("status") or LegalDocument.Status.IN_FORCE
    if status not in LegalDocument.Status.values:
        raise InvalidMessage(_("Unknown status: %(value)s") % {"value": status}, code="invalid")
    field = text("legal_field") or LegalField.OTHER
    if field not in LegalField.values:
        raise InvalidMessage(_("Unknown legal field: %(value)s") % {"value": field}, code="invalid")
    return DocumentFacts(
        title=text("law_title") or law_id,
        number=text("law_number"),
        issuing_body=text("issuing_body"),
        issued_on=day("issued_on"),
        effective_on=day("effective_on"),
        status=status,
        legal_field=field,
        source=text("source"),
        # A law_id that is already a short link ("bo-luat-dan-su-2015") is kept as the link.
        slug=text("slug") or (law_id if SLUG.fullmatch(law_id) else ""),
    )
