"""Reads of the legal library: the documents, one document's articles, one article whole."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from law.matching import Match, rank_articles
from law.models import Article, Clause, LegalDocument

SEARCH_MAX_LENGTH = 2000


def library_documents() -> QuerySet[LegalDocument]:
    """Every document of the library, with how many articles it has."""
    return LegalDocument.objects.annotate(article_count=Count("articles")).order_by("title")


def document_articles(document: LegalDocument) -> QuerySet[Article]:
    """A document's articles in their order (their text, without clauses and points)."""
    return document.articles.order_by("position")


def article_page(*, slug: str, number: str) -> Article:
    """One article with its document, clauses and points; 404 if the library has no such one."""
    clauses = Clause.objects.prefetch_related("points").order_by("position")
    queryset = Article.objects.select_related("document").prefetch_related(
        Prefetch("clauses", queryset=clauses)
    )
    return get_object_or_404(queryset, document__slug=slug, number__iexact=number)


def neighbours(article: Article) -> tuple[Article | None, Article | None]:
    """The articles before and after it in its document."""
    siblings = article.document.articles.only("number", "heading", "position", "document_id")
    before = siblings.filter(position__lt=article.position).order_by("-position").first()
    after = siblings.filter(position__gt=article.position).order_by("position").first()
    return before, after


def search_articles(text: str, *, limit: int = 10, legal_field: str | None = None) -> list[Match]:
    """Articles that answer a question or match words, typed with or without diacritics."""
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return []
    return rank_articles(text, limit=limit, legal_field=legal_field)


def quoted(article: Article, clause: Clause | None) -> str:
    """The words an answer cites: the clause with its points, or the whole article."""
    if clause is None:
        return article.text
    points = [f"{point.letter}) {point.text}" for point in clause.points.all()]
    return "\n".join([f"{clause.number}. {clause.text}", *points])
