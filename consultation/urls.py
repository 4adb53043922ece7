from __future__ import annotations

from django.urls import include, path

from consultation import views

app_name = "consultation"

# Staff pages: "consultation_staff:*" is declared staff (config/access.py), so they need 2FA.
staff_patterns = [
    path("agency/<slug:slug>/", views.agency_drafts, name="drafts"),
    path("agency/<slug:slug>/new/", views.create_draft, name="create"),
    path("drafts/<int:pk>/", views.review, name="review"),
    path("drafts/<int:pk>/status/", views.change_status, name="status"),
    path("drafts/<int:pk>/summary/", views.publish_summary, name="publish_summary"),
    path("drafts/<int:pk>/versions/", views.publish_version, name="publish_version"),
    path("drafts/<int:pk>/comments/<int:comment_id>/approve/", views.approve, name="approve"),
    path("drafts/<int:pk>/comments/<int:comment_id>/reject/", views.reject, name="reject"),
    path("drafts/<int:pk>/comments/<int:comment_id>/reply/", views.reply, name="reply"),
]

urlpatterns = [
    path("consultation/<int:pk>/", views.draft_page, name="draft"),
    path("consultation/<int:pk>/join/", views.join, name="join"),
    path("consultation/<int:pk>/comment/", views.comment, name="comment"),
    path(
        "consultation/<int:pk>/comments/<int:comment_id>/support/",
        views.support,
        name="support",
    ),
    path(
        "consultation/<int:pk>/comments/<int:comment_id>/support/withdraw/",
        views.withdraw_support,
        name="withdraw_support",
    ),
    path("consultation/<int:pk>/versions/<int:number>/", views.version, name="version"),
    path(
        "consultation/<int:pk>/articles/<int:article_id>/comments/",
        views.article_comments,
        name="comments",
    ),
    path("consultation/<int:pk>/summary/", views.summary, name="summary"),
    path("consultation/<int:pk>/summary.csv", views.summary_csv, name="summary_csv"),
    path("consultation/<int:pk>/summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
]

staff_urls = [path("consultation/manage/", include((staff_patterns, "consultation_staff")))]
