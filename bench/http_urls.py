"""The URLs of the HTTP scenario's application: a bare view first, then the project's own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

BARE_PATH = "/bench/bare/"
BARE_BODY = "bench: a bare Django view\n"


def bare(request: HttpRequest) -> HttpResponse:
    """A constant small response: what the server, Django and its middleware cost alone."""
    return HttpResponse(BARE_BODY, content_type="text/plain; charset=utf-8")


# The project's patterns themselves, not an include(): the same resolvers, names and namespaces.
urlpatterns = [path(BARE_PATH.strip("/") + "/", bare, name="bench_bare"), *project_urlpatterns]
