"""The project's URLs plus one staff view that nobody declared: what the route walker must catch."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urls


def everything_export(request: HttpRequest) -> HttpResponse:
    """A new export of every question with its asker, added in a hurry: no declaration."""
    return HttpResponse("STT,Người hỏi\r\n", content_type="text/csv")


urlpatterns = [
    *project_urls,
    path("reports/everything.csv", everything_export, name="everything_export"),
]
