from __future__ import annotations

from django.urls import path, re_path

from reports import views
from reports.rollup import views as rollup

app_name = "reports"

urlpatterns = [
    path("reports/e/<slug:slug>/", views.dialogue, name="dialogue"),
    re_path(
        r"^reports/e/(?P<slug>[-\w]+)/questions\.(?P<fmt>csv|xlsx)$",
        views.dialogue_export,
        name="dialogue_export",
    ),
    re_path(
        r"^reports/e/(?P<slug>[-\w]+)/polls\.(?P<fmt>csv|xlsx)$",
        views.dialogue_polls_export,
        name="dialogue_polls_export",
    ),
    path("reports/e/<slug:slug>/report.pdf", views.dialogue_pdf, name="dialogue_pdf"),
    path("reports/exports/<uuid:job>/", views.export_job, name="export_job"),
    path("reports/exports/<uuid:job>/file", views.export_download, name="export_download"),
    path("reports/a/<slug:slug>/", views.agency, name="agency"),
    path("reports/a/<slug:slug>/report.pdf", views.agency_pdf, name="agency_pdf"),
    path("reports/a/<slug:slug>/report.xlsx", views.agency_xlsx, name="agency_xlsx"),
    path("reports/a/<slug:slug>/report.csv", views.agency_csv, name="agency_csv"),
    path("reports/a/<slug:slug>/issue", views.issue, name="issue"),
    path("reports/a/<slug:slug>/issued/", views.issued_list, name="issued_list"),
    path("reports/a/<slug:slug>/issued/<int:pk>/", views.issued, name="issued"),
    path("reports/a/<slug:slug>/issued/<int:pk>/report.pdf", views.issued_pdf, name="issued_pdf"),
    path(
        "reports/a/<slug:slug>/issued/<int:pk>/report.xlsx", views.issued_xlsx, name="issued_xlsx"
    ),
    path(
        "reports/a/<slug:slug>/issued/<int:pk>/correct",
        views.issue_correction,
        name="issue_correction",
    ),
    path("a/<slug:slug>/statistics/", views.public_statistics, name="public_statistics"),
    # The national roll-up (reports/rollup/): the publisher's signed document, for importers
    # with its token; the importer's pages, for the site's administrators.
    path("rollup/reports.json", rollup.feed, name="rollup_feed"),
    path("reports/rollup/", rollup.page, name="rollup"),
    path("reports/rollup/data.json", rollup.data, name="rollup_data"),
    path("reports/rollup/document.json", rollup.download, name="rollup_document"),
    path("reports/rollup/upload", rollup.upload, name="rollup_upload"),
    path("reports/rollup/publishers/<int:pk>/pull", rollup.pull, name="rollup_pull"),
]
