from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config import guides, health, metrics
from consultation.urls import staff_urls as consultation_staff_urls
from dialogue.api import api
from moderation.urls import stage_patterns
from reports.api import router as reports_router

# Mounted here, not in dialogue/api.py, because no app imports reports.
api.add_router("/reports", reports_router)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("guide/", include((guides.urlpatterns, "guides"))),
    path("", include("events.urls")),
    path("", include("dialogue.urls")),
    path("", include("moderation.urls")),
    path("", include("reports.urls")),
    path("", include("consultation.urls")),
    path("", include("erasure.urls")),
    path("", include("law.urls")),
    *consultation_staff_urls,
    path("", include((stage_patterns, "stage"))),
    path("api/", api.urls),
]
