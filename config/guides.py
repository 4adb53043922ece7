"""The staff guides: one page per trained role and a printable checklist for the day.

Public pages with no data in them. Each guide is a long text written in each language
(templates/guides/<name>/vi.html and en.html), like the privacy notice, so translators work on
whole pages; only the page's title and frame go through the message catalogue. The pictures
are in static/guides/, written by `make screenshots` so they follow the product.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The order of the index; each name is a URL, a template folder and the start of its images.
GUIDES: dict[str, Promise] = {
    "organiser": _("Organiser's guide"),
    "moderator": _("Moderator's guide"),
    "official": _("Official's guide"),
    "checklist": _("Checklist for the day of the dialogue"),
}


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "guides/index.html", {"guides": GUIDES})


def guide(request: HttpRequest, name: str) -> HttpResponse:
    context = {"name": name, "title": GUIDES[name], "guides": GUIDES}
    return render(request, "guides/guide.html", context)


urlpatterns = [
    path("", index, name="index"),
    *(path(f"{name}/", guide, {"name": name}, name=name) for name in GUIDES),
]
