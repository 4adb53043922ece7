from __future__ import annotations

from django.urls import include, path

from events import views

app_name = "events"

# Staff pages: their "manage" namespace is in STAFF_URL_NAMESPACES, so they need 2FA.
staff_patterns = [
    path("", views.manage_index, name="index"),
    path("<slug:slug>/", views.agency_staff, name="agency"),
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
]
