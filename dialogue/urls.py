from __future__ import annotations

from csp.decorators import csp_update
from django.conf import settings
from django.urls import path

from dialogue import views
from dialogue.feeds import PublishedAnswersFeed

app_name = "dialogue"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    # "Hỏi đáp pháp luật": every agency's standing Q&A and its answers, by legal field.
    path("legal-qa/", views.legal_qa, name="legal_qa"),
    # A question looked up by its tracking code and the asker's email or phone (a POST).
    path("legal-qa/lookup/", views.lookup, name="lookup"),
    # The event page may show the stream's player (events/models.py: Event.stream_embed_url).
    path(
        "e/<slug:slug>/",
        # django-csp types its decorators for views of one argument only.
        csp_update({"frame-src": settings.STREAM_EMBED_ORIGINS})(views.event_page),  # type: ignore[arg-type]
        name="event",
    ),
    path("e/<slug:slug>/join/", views.join, name="join"),
    path("e/<slug:slug>/archive/", views.archive, name="archive"),
    path("e/<slug:slug>/questions/<int:question_id>/rate/", views.rate, name="rate"),
    path("e/<slug:slug>/ask/", views.ask, name="ask"),
    path("e/<slug:slug>/receipt/", views.receipt, name="receipt"),
    path("e/<slug:slug>/similar/", views.similar, name="similar"),
    # The asker's private link: their questions, renewing the link, and erasing their data
    # (erasure/urls.py). Its paths are secrets (events/secret_paths.py).
    path("e/<slug:slug>/mine/<str:token>/", views.mine, name="mine"),
    path("e/<slug:slug>/mine/<str:token>/renew/", views.renew_link, name="renew_link"),
    path("e/<slug:slug>/mine/<str:token>/push/", views.push_subscription, name="push"),
    path("e/<slug:slug>/questions/<int:question_id>/vote/", views.vote, name="vote"),
    path("e/<slug:slug>/polls/<int:poll_id>/answer/", views.answer_poll, name="poll_answer"),
    # Integration (docs/integration.md): feed, embeddable widget; the phone's home screen.
    path("answers.atom", PublishedAnswersFeed(), name="answers_feed"),
    path("embed/a/<slug:slug>/", views.embed_agency, name="embed_agency"),
    path("embed/e/<slug:slug>/", views.embed_event, name="embed_event"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
]
