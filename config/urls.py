from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from consultation.urls import staff_urls as consultation_staff_urls
from dialogue.api import api
from moderation.urls import stage_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("events.urls")),
    path("", include("dialogue.urls")),
    path("", include("moderation.urls")),
    path("", include("consultation.urls")),
    *consultation_staff_urls,
    path("", include((stage_patterns, "stage"))),
    path("api/", api.urls),
]
