from __future__ import annotations

from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("e/<slug:slug>/moderate/", views.console, name="console"),
    path("e/<slug:slug>/moderate/log/", views.audit_log, name="log"),
    path("e/<slug:slug>/moderate/status/", views.change_status, name="status"),
    path("e/<slug:slug>/moderate/stage-link/", views.renew_stage_link, name="renew_stage_link"),
    path("e/<slug:slug>/moderate/due/", views.answers_due, name="due"),
    path(
        "e/<slug:slug>/moderate/due/<int:question_id>/extend/",
        views.extend_due,
        name="extend_due",
    ),
    path("e/<slug:slug>/answer/", views.official_console, name="official"),
    path("e/<slug:slug>/moderate/polls/", views.polls, name="polls"),
    path("e/<slug:slug>/moderate/polls/<int:poll_id>/", views.poll_action, name="poll"),
    path("manage/<slug:slug>/answers-due/", views.agency_answers_due, name="agency_due"),
]

# The stage screen is opened without an account, so it is not among the staff pages (2FA).
stage_patterns = [
    path("stage/<slug:token>/", views.stage, name="screen"),
    path("stage/<slug:token>/polls/<int:poll_id>/cloud.svg", views.stage_cloud, name="cloud"),
]
