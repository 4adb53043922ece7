from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dialogue.models import Question
from events import access
from events.models import Agency, Event
from events.permissions import can_moderate, is_organiser
from events.tasks import enqueue_on_commit
from reports import charts, exports
from reports.models import ExportJob
from reports.selectors import AgencyReport, agency_report, dialogue_polls, dialogue_report
from reports.tasks import make_question_export

VN = ZoneInfo("Asia/Ho_Chi_Minh")
STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "reports.css"


def _event_for_report(request: HttpRequest, slug: str) -> Event:
    event = get_object_or_404(Event.objects.select_related("agency"), slug=slug)
    if not can_moderate(request.user, event):
        raise PermissionDenied
    return event


@login_required
def dialogue(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_for_report(request, slug)
    report = dialogue_report(event)
    presence = [(timezone.localtime(at, VN).strftime("%H:%M"), n) for at, n in report.presence]
    context = {
        "event": event,
        "report": report,
        "presence": presence,
        "polls": dialogue_polls(event),
        "presence_chart": charts.line_chart(
            title=_("People connected over time"),
            description=_("Peak: %(peak)s people connected at once.")
            % {"peak": report.peak_concurrent},
            points=presence,
        ),
        "topic_chart": charts.bar_chart(
            title=_("Questions by topic or legal field"),
            description=_("Number of questions per topic; the same figures are in the table."),
            rows=report.by_topic,
        ),
        "reason_chart": charts.bar_chart(
            title=_("Questions not selected, by reason"),
            description=_("Number of questions per reason; the same figures are in the table."),
            rows=[(label, n) for _code, label, n in report.rejected_by_reason],
        ),
    }
    return render(request, "reports/dialogue.html", context)


@login_required
def dialogue_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    event = _event_for_report(request, slug)
    if Question.objects.filter(event=event).count() > settings.REPORTS_SYNC_EXPORT_ROWS:
        # Too long for a request: the task queue makes it, the page shows how far it got.
        job = ExportJob.objects.create(requester=access.signed_in(request), event=event, format=fmt)
        enqueue_on_commit(make_question_export, str(job.pk))
        return redirect("reports:export_job", job=job.pk)
    if fmt == "csv":
        body, content_type = exports.questions_csv(event), "text/csv; charset=utf-8"
    else:
        body = exports.questions_xlsx(event)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="cau-hoi-{event.slug}.{fmt}"'
    return response


def _own_job(request: HttpRequest, job: uuid.UUID) -> ExportJob:
    """An export job of the person asking, who may still see the dialogue's report."""
    found = get_object_or_404(
        ExportJob.objects.select_related("event").defer("content"),
        pk=job,
        requester_id=request.user.pk,
    )
    _event_for_report(request, found.event.slug)
    return found


@login_required
def export_job(request: HttpRequest, job: uuid.UUID) -> HttpResponse:
    """How far an export has got; the page reloads itself until the file is ready."""
    found = _own_job(request, job)
    status = 410 if found.expired else 200
    return render(request, "reports/export_job.html", {"job": found}, status=status)


@login_required
def export_download(request: HttpRequest, job: uuid.UUID) -> HttpResponse:
    found = _own_job(request, job)
    if found.expired:
        return render(request, "reports/export_job.html", {"job": found}, status=410)
    if found.status != ExportJob.Status.DONE:
        return redirect("reports:export_job", job=found.pk)
    content = ExportJob.objects.values_list("content", flat=True).get(pk=found.pk)
    content_type = (
        "text/csv; charset=utf-8"
        if found.format == ExportJob.Format.CSV
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


def parse_period(request: HttpRequest) -> tuple[date, date]:
    """The period asked for: ?start=&end= (inclusive dates), by default this year so far."""
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = date.fromisoformat(request.GET.get("end") or f"{today.year}-12-31")
    except ValueError as error:
        raise PermissionDenied(_("The period's dates are not valid.")) from error
    if end < start:
        start, end = end, start
    return start, end


def _agency_report(request: HttpRequest, slug: str) -> tuple[Agency, date, date, AgencyReport]:
    agency = get_object_or_404(Agency, slug=slug)
    if not is_organiser(request.user, agency):
        raise PermissionDenied
    start, end = parse_period(request)
    report = agency_report(
        agency,
        start=datetime.combine(start, time.min, VN),
        end=datetime.combine(end + timedelta(days=1), time.min, VN),
    )
    return agency, start, end, report


@login_required
def agency(request: HttpRequest, slug: str) -> HttpResponse:
    agency, start, end, report = _agency_report(request, slug)
    today = timezone.localdate()
    return render(
        request,
        "reports/agency.html",
        {"agency": agency, "start": start, "end": end, "report": report, "today": today},
    )


@login_required
def agency_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    agency, start, end, report = _agency_report(request, slug)
    # A page of its own with the stylesheet inline: the PDF is made without fetching anything.
    html = render_to_string(
        "reports/agency_pdf.html",
        {
            "agency": agency,
            "start": start,
            "end": end,
            "report": report,
            "today": timezone.localdate(),
            # The project's own stylesheet file, inlined for WeasyPrint.
            "stylesheet": mark_safe(STYLESHEET.read_text(encoding="utf-8")),  # noqa: S308
        },
    )
    response = HttpResponse(
        exports.agency_report_pdf(html, base_url=request.build_absolute_uri("/")),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="bao-cao-{agency.slug}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'
    )
    return response


@login_required
def agency_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    agency, start, end, report = _agency_report(request, slug)
    response = HttpResponse(
        exports.agency_report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="bao-cao-{agency.slug}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    return response


def public_statistics(request: HttpRequest, slug: str) -> HttpResponse:
    """Open to everyone: counts only, no names, no question texts."""
    agency = get_object_or_404(Agency, slug=slug)
    report = agency_report(
        agency,
        start=datetime(2000, 1, 1, tzinfo=VN),
        end=timezone.now() + timedelta(days=1),
    )
    return render(
        request,
        "reports/public_statistics.html",
        {
            "agency": agency,
            "report": report,
            "reason_chart": charts.bar_chart(
                title=_("Questions not selected, by reason"),
                description=_("Number of questions per reason; the same figures are in the table."),
                rows=report.rejected_by_reason,
            ),
        },
    )
