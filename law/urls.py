from __future__ import annotations

from django.urls import path

from law import views

app_name = "law"

urlpatterns = [
    path("law/", views.library, name="library"),
    path("law/<slug:slug>/", views.document, name="document"),
    path("law/<slug:slug>/dieu-<str:number>/", views.article, name="article"),
]
