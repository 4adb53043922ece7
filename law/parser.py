"""Split a Vietnamese legal text, a draft or a law, into chapters, articles and clauses.

Headings follow the presentation rules of legal documents (Decree 30/2020/ND-CP, Law on the
Promulgation of Legal Documents): "Chương I" (a Roman or Arabic numeral, its title on the same
line or the next one in capitals), "Mục 1" (a section inside a chapter), "Điều 1. Title" (articles
are numbered through the whole document), "1." (a clause, khoản, inside an article) and "a)" (a
point, điểm, inside a clause). Text before the first chapter or article is the preamble (the
document's name and its "Căn cứ ..." grounds). Points are kept in their clause's text, one per
line, because comments are made on an article or a clause, never on a point; `split_points`
takes them out where a law's library wants them apart.

Drafts for comment (consultation/) and the legal library (law/) both read documents with it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from live.errors import InvalidMessage

CHAPTER = re.compile(r"^chương\s+([IVXLCDM]+|\d+)\b\.?\s*[:.\-–—]?\s*(.*)$", re.IGNORECASE)
SECTION = re.compile(r"^(mục)\s+(\d+|[IVXLCDM]+)\b\.?\s*[:.\-–—]?\s*(.*)$", re.IGNORECASE)
ARTICLE = re.compile(r"^điều\s+(\d+[a-z]?)\s*[.:]?\s*(.*)$", re.IGNORECASE)
CLAUSE = re.compile(r"^(\d{1,3})\.\s+(\S.*)$")
POINT = re.compile(r"^([a-zđ]|[a-zđ]\d?)\)\s+(\S.*)$")

MAX_ARTICLES = 1000


@dataclass
class ParsedClause:
    number: str
    text: str


@dataclass
class ParsedArticle:
    number: str
    title: str
    chapter: int | None
    section: str = ""
    body: str = ""
    clauses: list[ParsedClause] = field(default_factory=list)


@dataclass
class ParsedChapter:
    number: str
    title: str


@dataclass
class ParsedDocument:
    preamble: str
    chapters: list[ParsedChapter]
    articles: list[ParsedArticle]


def _lines(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]


def _append(existing: str, line: str) -> str:
    return f"{existing}\n{line}" if existing else line


def parse_draft(text: str) -> ParsedDocument:
    """The chapters, articles and clauses of a draft, in order; refused if it has no article."""
    preamble = ""
    chapters: list[ParsedChapter] = []
    articles: list[ParsedArticle] = []
    section = ""
    # A chapter or section heading whose title is on the next line waits for it here.
    awaiting_title: ParsedChapter | None = None
    awaiting_section = False
    for line in _lines(text):
        if not line:
            continue
        if match := CHAPTER.match(line):
            awaiting_title = ParsedChapter(number=match.group(1).upper(), title=match.group(2))
            chapters.append(awaiting_title)
            awaiting_section, section = False, ""
            if awaiting_title.title:
                awaiting_title = None
            continue
        if match := SECTION.match(line):
            # Kept in the document's own words: the draft is quoted, never translated.
            section = f"{match.group(1)} {match.group(2)}"
            if match.group(3):
                section += f". {match.group(3)}"
            awaiting_section, awaiting_title = not match.group(3), None
            continue
        if match := ARTICLE.match(line):
            if len(articles) >= MAX_ARTICLES:
                raise InvalidMessage(
                    _("A draft may have at most %(max)d articles.") % {"max": MAX_ARTICLES},
                    code="too_long",
                )
            articles.append(
                ParsedArticle(
                    number=match.group(1),
                    title=match.group(2),
                    chapter=len(chapters) - 1 if chapters else None,
                    section=section,
                )
            )
            awaiting_title, awaiting_section = None, False
            continue
        if awaiting_title is not None:
            awaiting_title.title = line
            awaiting_title = None
            continue
        if awaiting_section:
            section += f". {line}"
            awaiting_section = False
            continue
        if not articles:
            preamble = _append(preamble, line)
            continue
        article = articles[-1]
        if match := CLAUSE.match(line):
            article.clauses.append(ParsedClause(number=match.group(1), text=match.group(2)))
        elif article.clauses:
            # A point "a)" or a continuation paragraph belongs to the clause above it.
            article.clauses[-1].text = _append(article.clauses[-1].text, line)
        else:
            article.body = _append(article.body, line)
    if not articles:
        raise InvalidMessage(
            _("No article was found. Each article must start with “Điều 1.”, “Điều 2.” and so on."),
            code="no_articles",
        )
    return ParsedDocument(preamble=preamble, chapters=chapters, articles=articles)


def split_points(clause_text: str) -> tuple[str, list[tuple[str, str]]]:
    """A clause's own words, and its points ("a) ...") as (letter, text), in order.

    A line that is no point's heading continues the point above it (or the clause's own words
    before the first point).
    """
    lead = ""
    points: list[tuple[str, str]] = []
    for line in clause_text.split("\n"):
        if match := POINT.match(line):
            points.append((match.group(1), match.group(2)))
        elif points:
            letter, text = points[-1]
            points[-1] = (letter, _append(text, line))
        else:
            lead = _append(lead, line)
    return lead, points
