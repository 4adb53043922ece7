"""The public pages of the legal library: search, a document, an article."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from law import selectors
from law.forms import LibrarySearchForm
from law.models import LegalDocument


@require_http_methods(["GET", "POST"])
def library(request: HttpRequest) -> HttpResponse:
    """Every document, and the articles that match what was searched (diacritics optional).

    The search is a POST: people describe their own situation in it, and the words typed never
    travel in a URL, which the servers' logs keep.
    """
    form = LibrarySearchForm(request.POST or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    return render(
        request,
        "law/library.html",
        {
            "documents": selectors.library_documents(),
            "form": form,
            "query": query,
            "results": selectors.search_articles(query) if query else [],
        },
        status=400 if form.errors else 200,
    )


@require_GET
def document(request: HttpRequest, slug: str) -> HttpResponse:
    legal_document = get_object_or_404(LegalDocument, slug=slug)
    return render(
        request,
        "law/document.html",
        {
            "document": legal_document,
            "articles": selectors.document_articles(legal_document),
            "amends": legal_document.amends.all(),
            "amended_by": legal_document.amended_by.all(),
            "replaces": legal_document.replaces.all(),
            "replaced_by": legal_document.replaced_by.all(),
        },
    )


@require_GET
def article(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    if len(number) > 10:
        raise Http404
    found = selectors.article_page(slug=slug, number=number)
    before, after = selectors.neighbours(found)
    return render(
        request,
        "law/article.html",
        {"article": found, "document": found.document, "before": before, "after": after},
    )
