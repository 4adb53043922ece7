from __future__ import annotations

from django.urls import path

from dialogue import views

app_name = "dialogue"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("e/<slug:slug>/", views.event_page, name="event"),
    path("e/<slug:slug>/join/", views.join, name="join"),
    path("e/<slug:slug>/archive/", views.archive, name="archive"),
    path("e/<slug:slug>/ask/", views.ask, name="ask"),
    path("e/<slug:slug>/questions/<int:question_id>/vote/", views.vote, name="vote"),
]
