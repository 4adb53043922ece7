"""The reports' one write: issuing an agency report, its figures and files stored as issued."""

from __future__ import annotations

import json
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events.models import Agency, User
from events.permissions import is_organiser
from events.selectors import predecessors
from events.text import clean_text
from live.errors import InvalidMessage, NotAllowed
from reports import exports
from reports.issued import VN, from_figures, official_context, period_bounds, to_figures
from reports.models import IssuedReport
from reports.selectors import agency_report

SIGNER_NAME_MAX_LENGTH = 120
SIGNER_TITLE_MAX_LENGTH = 160
PLACE_MAX_LENGTH = 100


def report_number(agency: Agency, sequence: int) -> str:
    """The number of an agency's report in the Vietnamese style, e.g. "12/BC-SO-TU-PHAP"."""
    return f"{sequence}/BC-{agency.slug.upper()}"


@transaction.atomic
def issue_agency_report(
    *,
    actor: User,
    agency: Agency,
    start: date,
    end: date,
    signer_name: str,
    signer_title: str,
    place: str = "",
    corrects: IssuedReport | None = None,
) -> IssuedReport:
    """Number the agency's report for the period (dates inclusive), store its figures and files."""
    if not is_organiser(actor, agency):
        raise NotAllowed(_("Only the organisers of this agency may issue its reports."))
    if end < start:
        raise InvalidMessage(_("The period ends before it starts."), code="invalid_period")
    signer_name = clean_text(
        signer_name, max_length=SIGNER_NAME_MAX_LENGTH, field=_("signer's name")
    )
    signer_title = clean_text(
        signer_title, max_length=SIGNER_TITLE_MAX_LENGTH, field=_("signer's title")
    )
    place = (
        clean_text(place, max_length=PLACE_MAX_LENGTH, field=_("place of issue")) if place else ""
    )
    # One issue at a time per agency, so that the sequence has no gaps and no doubles: a lock on
    # the agency's row (FOR NO KEY UPDATE: rows naming the agency are not held up); on SQLite
    # the IMMEDIATE transaction's write lock serialises issues already.
    agency = Agency.objects.select_for_update(no_key=True).get(pk=agency.pk)
    if corrects is not None:
        # The same agency, or its successor after a merge: it corrects what it took over.
        if corrects.pk is None or corrects.agency_id not in predecessors(agency=agency):
            raise InvalidMessage(
                _("A correction replaces a report issued by the same agency."),
                code="invalid_correction",
            )
        later = IssuedReport.objects.filter(corrects_id=corrects.pk).values_list("number")
        if later.exists():
            raise InvalidMessage(
                _("Report %(number)s was already corrected by report %(later)s; correct that one.")
                % {"number": corrects.number, "later": later[0][0]},
                code="already_corrected",
            )
    issued_at = timezone.now()
    year = issued_at.astimezone(VN).year
    last = IssuedReport.objects.filter(agency=agency, year=year).aggregate(n=Max("sequence"))["n"]
    sequence = (last or 0) + 1
    # The record is in Vietnamese whatever the language of the page it was issued from: the
    # labels counted into the figures and the tables' headings in the PDF.
    with translation.override(settings.LANGUAGE_CODE):
        period_start, period_end = period_bounds(start, end)
        report = agency_report(agency, start=period_start, end=period_end)
        # As the database will give them back: what is rendered now is what renders later.
        figures = json.loads(json.dumps(to_figures(report)))
        issued = IssuedReport(
            agency=agency,
            year=year,
            sequence=sequence,
            number=report_number(agency, sequence),
            period_start=start,
            period_end=end,
            issued_at=issued_at,
            issued_by=actor,
            signer_name=signer_name,
            signer_title=signer_title,
            place=place,
            figures=figures,
            corrects=corrects,
        )
        # The files are made from the stored figures, as the issued report's page is.
        issued.pdf = exports.agency_report_pdf(
            exports.agency_report_page(official_context(issued)), base_url=settings.SITE_URL
        )
        issued.xlsx = exports.agency_report_xlsx(from_figures(figures))
    issued.save(force_insert=True)
    return issued
