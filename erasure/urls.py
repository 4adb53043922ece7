from __future__ import annotations

from django.urls import path

from erasure import views

app_name = "erasure"

urlpatterns = [
    path("e/<slug:slug>/mine/<str:token>/erase/", views.erase, name="erase"),
]
