"""The library in the admin: documents imported by paste or upload, read and corrected here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from law import services
from law.forms import ImportDocumentForm
from law.models import Article, Clause, LegalDocument, SynonymSet
from live.errors import InvalidMessage


class ArticleInline(admin.TabularInline[Article, LegalDocument]):
    model = Article
    fields = ["number", "heading", "chapter", "position"]
    extra = 0
    show_change_link = True


class ClauseInline(admin.StackedInline[Clause, Article]):
    model = Clause
    fields = ["number", "text", "position"]
    extra = 0


@admin.register(LegalDocument)
class LegalDocumentAdmin(admin.ModelAdmin[LegalDocument]):
    list_display = ["title", "number", "status", "legal_field", "effective_on"]
    list_filter = ["status", "legal_field"]
    search_fields = ["title", "number"]
    filter_horizontal = ["amends", "replaces"]
    inlines = [ArticleInline]
    change_list_template = "law/admin_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="law_legaldocument_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import a document from pasted text or an uploaded .txt, .pdf or .docx."""
        if not self.has_add_permission(request):
            return HttpResponseRedirect("../")
        form = ImportDocumentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                document = services.import_document(
                    facts=services.DocumentFacts(
                        title=data["title"],
                        number=data["number"],
                        issuing_body=data["issuing_body"],
                        issued_on=data["issued_on"],
                        effective_on=data["effective_on"],
                        status=data["status"],
                        legal_field=data["legal_field"],
                        source=data["source"],
                    ),
                    text=data["text"],
                )
            except InvalidMessage as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Imported %(title)s: %(count)d articles.")
                    % {"title": document.title, "count": document.articles.count()},
                )
                return HttpResponseRedirect(f"../{document.pk}/change/")
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import a legal document"),
        }
        return render(request, "law/admin_import.html", context)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["__str__", "document"]
    list_filter = ["document"]
    search_fields = ["heading", "text"]
    inlines = [ClauseInline]


@admin.register(SynonymSet)
class SynonymSetAdmin(admin.ModelAdmin[SynonymSet]):
    list_display = ["__str__", "note"]
    search_fields = ["terms", "note"]
