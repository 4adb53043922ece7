from __future__ import annotations

from django.urls import include, path

from events import changes, organiser, public, views

app_name = "events"

# Staff pages: "events:manage:*" is declared staff (config/access.py), so they need 2FA.
staff_patterns = [
    path("", views.manage_index, name="index"),
    # Organiser pages: an agency's dialogues (events/organiser.py).
    path("<slug:slug>/dialogues/", organiser.agency_events, name="events"),
    path("<slug:slug>/dialogues/new/", organiser.create_event, name="create_event"),
    path("<slug:slug>/standing-qa/", organiser.open_standing_qa, name="open_standing_qa"),
    path("<slug:slug>/dialogues/<slug:event>/", organiser.edit_event, name="event"),
    path("<slug:slug>/dialogues/<slug:event>/copy/", organiser.clone_event, name="clone_event"),
    path("<slug:slug>/integration/", organiser.integration, name="integration"),
    path("<slug:slug>/", views.agency_staff, name="agency"),
    # An agency's changes (events/changes.py): renamed, moved, merged; audited.
    path("<slug:slug>/changes/", changes.agency_change, name="agency_change"),
    path("<slug:slug>/changes/rename/", changes.rename_agency, name="rename_agency"),
    path("<slug:slug>/changes/move/", changes.move_agency, name="move_agency"),
    path("<slug:slug>/changes/merge/", changes.merge_agency, name="merge_agency"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/invitations/<int:pk>/revoke/", views.revoke, name="revoke"),
]

urlpatterns = [
    path("manage/", include((staff_patterns, "manage"))),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("account/", views.account, name="account"),
    path("account/data.json", views.export_data, name="export_data"),
    path("account/delete/", views.delete_account, name="delete_account"),
    path("privacy/", views.privacy, name="privacy"),
    path("a/<slug:slug>/", public.agency_page, name="agency"),
    path("a/<slug:slug>/calendar.ics", public.agency_calendar, name="agency_calendar"),
    path("e/<slug:slug>/calendar.ics", public.event_calendar, name="event_calendar"),
    path("j/<str:code>/", public.join_code, name="join_code"),
    path("join/", public.join_by_code, name="join_by_code"),
]
