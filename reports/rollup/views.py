"""The roll-up's pages: the publisher's signed document, and the importer's sums.

`feed` is declared public (config/access.py) and guarded by its own token, as the stage screen
is by its link: importers are other installations, not accounts. It is served only when this
installation publishes (`ROLLUP_SIGNING_KEY` and `ROLLUP_FEED_TOKEN`), and only to a request
that presents the token. Every other page is staff, for the site's administrators.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from events import access
from live.errors import DomainError
from reports.forms import RollupUploadForm
from reports.models import RollupImport, RollupSource
from reports.rollup import document, services, tasks
from reports.rollup.selectors import FIELDS, Rollup, field_key, rollup
from reports.views import PeriodRefused, parse_period


def _document_response(*, attachment: bool) -> HttpResponse:
    response = HttpResponse(document.build_document(), content_type="application/json")
    response["Cache-Control"] = "no-store"
    if attachment:
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="bao-cao-tong-hop-{day}.json"'
    return response


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """This installation's issued reports, signed, for an importer that presents the token."""
    if not document.publishing():
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not secrets.compare_digest(given.encode(), settings.ROLLUP_FEED_TOKEN.encode()):
        response = JsonResponse({"detail": "token_required"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="rollup"'
        return response
    return _document_response(attachment=False)


def _administrator(request: HttpRequest) -> None:
    if not services.can_run_rollup(request.user):
        raise PermissionDenied


@login_required
@require_GET
def download(request: HttpRequest) -> HttpResponse:
    """The same signed document as a file, to carry to an importer that cannot pull."""
    _administrator(request)
    if not settings.ROLLUP_SIGNING_KEY:
        raise Http404
    return _document_response(attachment=True)


def _period(request: HttpRequest) -> tuple[date, date]:
    try:
        return parse_period(request)
    except PeriodRefused:
        today = timezone.localdate()
        return date(today.year, 1, 1), date(today.year, 12, 31)


def _page(
    request: HttpRequest, form: RollupUploadForm | None = None, status: int = 200
) -> HttpResponse:
    start, end = _period(request)
    sources = RollupSource.objects.order_by("name")
    context: dict[str, Any] = {
        "rollup": rollup(start=start, end=end),
        "fields": [(field_key(s, n), label) for s, n, label in FIELDS],
        "sources": sources,
        "imports": RollupImport.objects.select_related("source", "imported_by")[:20],
        "form": form or RollupUploadForm(sources=sources),
        "start": start,
        "end": end,
        "public_key": (
            document.public_key_text(document.private_key(settings.ROLLUP_SIGNING_KEY))
            if settings.ROLLUP_SIGNING_KEY
            else ""
        ),
        "feed_url": request.build_absolute_uri("/rollup/reports.json"),
    }
    return render(request, "reports/rollup.html", context, status=status)


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    """The imported reports summed by province and agency, the publishers, the imports."""
    _administrator(request)
    return _page(request)


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """Import a publisher's signed document from a file."""
    _administrator(request)
    sources = RollupSource.objects.order_by("name")
    form = RollupUploadForm(request.POST, request.FILES, sources=sources)
    if form.is_valid():
        source = form.cleaned_data["source"]
        raw = form.cleaned_data["document"].read(settings.ROLLUP_MAX_BYTES + 1)
        try:
            record = services.import_document(
                actor=access.signed_in(request),
                source=source,
                raw=raw,
                via=RollupImport.Via.UPLOAD,
            )
        except DomainError as error:
            form.add_error("document", error.message)
        else:
            flash.success(
                request,
                _("%(source)s: %(reports)d reports in the document, %(added)d new.")
                % {"source": source, "reports": record.reports, "added": record.added},
            )
            return redirect("reports:rollup")
    return _page(request, form, status=400)


@login_required
@require_POST
def pull(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the task queue to pull a publisher's document from its address."""
    _administrator(request)
    source = get_object_or_404(RollupSource, pk=pk)
    if not source.feed_url:
        flash.error(request, _("This publisher has no address to pull from."))
        return redirect("reports:rollup")
    tasks.pull_rollup.enqueue(source.pk, access.signed_in(request).pk)
    flash.success(
        request,
        _("The document of %(source)s will be pulled in a moment; its import is listed below.")
        % {"source": source},
    )
    return redirect("reports:rollup")


def _as_data(summed: Rollup) -> dict[str, Any]:
    return {
        "start": summed.start.isoformat(),
        "end": summed.end.isoformat(),
        "sums": asdict(summed.sums),
        "provinces": [
            {
                "publisher": province.source,
                "name": province.name,
                "sums": asdict(province.sums),
                "reports": [
                    {
                        "number": item.report.number,
                        "agency": item.report.agency_name,
                        "period": [
                            item.report.period_start.isoformat(),
                            item.report.period_end.isoformat(),
                        ],
                        "counted": item.counted,
                        "reissued": item.reissued,
                        "notes": item.notes,
                        "figures": item.figures,
                    }
                    for item in province.reports
                ],
            }
            for province in summed.provinces
        ],
    }


@login_required
@require_GET
def data(request: HttpRequest) -> HttpResponse:
    """The roll-up as JSON, for the ministry's own tables."""
    _administrator(request)
    start, end = _period(request)
    body = json.dumps(_as_data(rollup(start=start, end=end)), ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/json")
