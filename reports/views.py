from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dialogue.models import Question
from events import access
from events.models import Agency, Event
from events.permissions import can_moderate, is_organiser
from events.tasks import enqueue_on_commit
from events.text import date_in_range
from live.errors import DomainError, NotAllowed
from reports import charts, exports, services
from reports.forms import IssueForm
from reports.issued import VN, issues_of, official_context, period_bounds
from reports.models import ExportJob, IssuedReport
from reports.selectors import AgencyReport, agency_report, dialogue_polls, dialogue_report
from reports.tasks import make_question_export


def _event_for_report(request: HttpRequest, slug: str) -> Event:
    event = get_object_or_404(Event.objects.select_related("agency"), slug=slug)
    if not can_moderate(request.user, event):
        raise PermissionDenied
    return event


def _dialogue_context(event: Event) -> dict[str, object]:
    """The dialogue report's figures and charts, for its page and its PDF."""
    report = dialogue_report(event)
    presence = [(timezone.localtime(at, VN).strftime("%H:%M"), n) for at, n in report.presence]
    return {
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


@login_required
def dialogue(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_for_report(request, slug)
    return render(request, "reports/dialogue.html", _dialogue_context(event))


@login_required
def dialogue_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The dialogue report as an A4 PDF, its times in the dialogue's time zone."""
    event = _event_for_report(request, slug)
    html = exports.dialogue_report_page({**_dialogue_context(event), "today": timezone.localdate()})
    response = HttpResponse(
        exports.dialogue_report_pdf(html, base_url=request.build_absolute_uri("/")),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{event.slug}.pdf"'
    return response


@login_required
def dialogue_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    event = _event_for_report(request, slug)
    if Question.objects.filter(event=event).count() > settings.REPORTS_SYNC_EXPORT_ROWS:
        # Too long for a request: the task queue makes it, the page shows how far it got.
        job = ExportJob.objects.create(requester=access.signed_in(request), event=event, format=fmt)
        enqueue_on_commit(make_question_export, str(job.pk))
        return redirect("reports:export_job", job=job.pk)
    if fmt == "csv":
        body, content_type = exports.questions_csv(event), exports.CSV_CONTENT_TYPE
    else:
        body, content_type = exports.questions_xlsx(event), exports.XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="cau-hoi-{event.slug}.{fmt}"'
    return response


@login_required
def dialogue_polls_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The dialogue's polls and their results, one row per option or word."""
    event = _event_for_report(request, slug)
    content_type = exports.CSV_CONTENT_TYPE if fmt == "csv" else exports.XLSX_CONTENT_TYPE
    response = HttpResponse(exports.polls_export(event, fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="tham-do-{event.slug}.{fmt}"'
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
        exports.CSV_CONTENT_TYPE
        if found.format == ExportJob.Format.CSV
        else exports.XLSX_CONTENT_TYPE
    )
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


class PeriodRefused(DomainError):
    code = "invalid_period"


def parse_period(request: HttpRequest) -> tuple[date, date]:
    """The period asked for: ?start=&end= (inclusive dates), by default this year so far.

    Each date must be a real one between the years the site knows (events/text.py); anything
    else is refused with a message, answered 400 (`answers_bad_period`).
    """
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = date.fromisoformat(request.GET.get("end") or f"{today.year}-12-31")
        date_in_range(start)
        date_in_range(end)
    except ValueError as error:
        raise PeriodRefused(_("The period's dates are not valid.")) from error
    except ValidationError as error:
        raise PeriodRefused(error.messages[0]) from error
    if end < start:
        start, end = end, start
    return start, end


def answers_bad_period(
    view: Callable[[HttpRequest, str], HttpResponse],
) -> Callable[[HttpRequest, str], HttpResponse]:
    """A period that cannot be reported answers 400 with its message and a way back."""

    @wraps(view)
    def answered(request: HttpRequest, slug: str) -> HttpResponse:
        try:
            return view(request, slug)
        except PeriodRefused as error:
            context = {"message": error.message, "back": reverse("reports:agency", args=[slug])}
            return render(request, "reports/bad_period.html", context, status=400)

    return answered


def _reported_agency(request: HttpRequest, slug: str) -> Agency:
    """The agency of the URL, if the person asking may see (and issue) its reports; a merged
    agency's reports are its successor's (config/moved.py sends its links there)."""
    agency = get_object_or_404(Agency, slug=slug, merged_into__isnull=True)
    if not is_organiser(request.user, agency):
        raise PermissionDenied
    return agency


def _agency_report(request: HttpRequest, slug: str) -> tuple[Agency, date, date, AgencyReport]:
    agency = _reported_agency(request, slug)
    start, end = parse_period(request)
    period_start, period_end = period_bounds(start, end)
    report = agency_report(agency, start=period_start, end=period_end)
    return agency, start, end, report


@login_required
@answers_bad_period
def agency(request: HttpRequest, slug: str) -> HttpResponse:
    agency, start, end, report = _agency_report(request, slug)
    today = timezone.localdate()
    issue_form = IssueForm(initial={"start": start, "end": end}, auto_id="issue_%s")
    return render(
        request,
        "reports/agency.html",
        {
            "agency": agency,
            "start": start,
            "end": end,
            "report": report,
            "today": today,
            "issue_form": issue_form,
        },
    )


@login_required
@answers_bad_period
def agency_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    agency, start, end, report = _agency_report(request, slug)
    html = exports.agency_report_page(
        {
            "agency": agency,
            "start": start,
            "end": end,
            "report": report,
            "today": timezone.localdate(),
        }
    )
    response = HttpResponse(
        exports.agency_report_pdf(html, base_url=request.build_absolute_uri("/")),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="bao-cao-{agency.slug}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'
    )
    return response


def _agency_file(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    agency, start, end, report = _agency_report(request, slug)
    if fmt == "csv":
        body, content_type = exports.agency_report_csv(report), exports.CSV_CONTENT_TYPE
    else:
        body, content_type = exports.agency_report_xlsx(report), exports.XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="bao-cao-{agency.slug}-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"'
    )
    return response


@login_required
@answers_bad_period
def agency_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    return _agency_file(request, slug, "xlsx")


@login_required
@answers_bad_period
def agency_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The agency report's tables one after another in one CSV file."""
    return _agency_file(request, slug, "csv")


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


# --- Issued reports: numbered, signed, stored as issued (docs/reports.md) --------------------


def _issue(request: HttpRequest, agency: Agency, corrects: IssuedReport | None) -> HttpResponse:
    """Issue from the posted form; back to where it was posted from when it cannot be."""
    form = IssueForm(request.POST)
    if corrects is not None:
        back = reverse("reports:issued", args=[agency.slug, corrects.pk])
    else:
        period = {key: request.POST.get(key, "") for key in ("start", "end")}
        back = f"{reverse('reports:agency', args=[agency.slug])}?{urlencode(period)}"
    if not form.is_valid():
        flash.error(request, _("Give the period, the signer's name and the signer's title."))
        return redirect(back)
    try:
        issued = services.issue_agency_report(
            actor=access.signed_in(request), agency=agency, corrects=corrects, **form.cleaned_data
        )
    except NotAllowed as error:
        raise PermissionDenied from error
    except DomainError as error:
        flash.error(request, error.message)
        return redirect(back)
    flash.success(request, _("Report %(number)s was issued.") % {"number": issued.number})
    return redirect("reports:issued", slug=agency.slug, pk=issued.pk)


@login_required
@require_POST
def issue(request: HttpRequest, slug: str) -> HttpResponse:
    """Issue the agency report of the posted period: numbered, signed, its figures stored."""
    return _issue(request, _reported_agency(request, slug), corrects=None)


@login_required
@require_POST
def issue_correction(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Issue a new report that replaces an issued one, which stays as it was."""
    agency = _reported_agency(request, slug)
    return _issue(request, agency, corrects=get_object_or_404(issues_of(agency), pk=pk))


@login_required
def issued_list(request: HttpRequest, slug: str) -> HttpResponse:
    agency = _reported_agency(request, slug)
    return render(
        request, "reports/issued_list.html", {"agency": agency, "issues": issues_of(agency)}
    )


@login_required
def issued(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An issued report as issued: rendered from its stored figures, never counted again."""
    agency = _reported_agency(request, slug)
    found = get_object_or_404(issues_of(agency, with_figures=True), pk=pk)
    correction_form = IssueForm(
        initial={
            "start": found.period_start,
            "end": found.period_end,
            "signer_name": found.signer_name,
            "signer_title": found.signer_title,
            "place": found.place,
        },
        auto_id="correction_%s",
    )
    context = {
        **official_context(found),
        "issued": found,
        "corrected_by": getattr(found, "corrected_by", None),
        "correction_form": correction_form,
    }
    return render(request, "reports/issued.html", context)


def _issued_file(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    """The file stored when the report was issued, byte for byte."""
    found = get_object_or_404(issues_of(_reported_agency(request, slug)), pk=pk)
    content = IssuedReport.objects.values_list(fmt, flat=True).get(pk=found.pk)
    if fmt == "pdf":
        content_type, filename = "application/pdf", found.pdf_filename
    else:
        content_type, filename = exports.XLSX_CONTENT_TYPE, found.xlsx_filename
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def issued_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _issued_file(request, slug, pk, "pdf")


@login_required
def issued_xlsx(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _issued_file(request, slug, pk, "xlsx")
