from __future__ import annotations

from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("e/<slug:slug>/moderate/", views.console, name="console"),
    path("e/<slug:slug>/moderate/log/", views.audit_log, name="log"),
]
