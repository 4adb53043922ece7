"""Issued reports: numbered, signed, stored as issued, and never changed by later data."""

from __future__ import annotations

import io
import os
import re
import threading
import time
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from dialogue.models import Answer, AnswerRating, Question
from events import services as event_services
from events.models import Agency, Event, User
from live.errors import InvalidMessage, NotAllowed
from reports import exports
from reports.issued import VN, from_figures, period_bounds, to_figures
from reports.models import IssuedReport, IssuedReportIsFinal
from reports.selectors import AgencyReport, agency_report
from reports.services import issue_agency_report
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    AnswerFactory,
    EventFactory,
    QuestionFactory,
    UserFactory,
)
from tests.reports.test_pdf_and_api import weasyprint_missing
from tests.reports.test_reports import staff_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START, END = TODAY - timedelta(days=30), TODAY
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}
SIGNER = {"signer_name": "Nguyễn Văn An", "signer_title": "Giám đốc", "place": "Bắc Ninh"}


@pytest.fixture(autouse=True)
def _pdf_libraries() -> None:
    """Issuing makes the PDF: WeasyPrint and its system libraries must load."""
    missing = weasyprint_missing()
    if missing is None:
        return
    message = f"WeasyPrint cannot load its system libraries: {missing}"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def held(event: Event, organiser: User) -> Event:
    """The agency's dialogue with questions answered live and in writing, rejected and rated."""
    now = timezone.now()
    asked = [QuestionFactory(event=event) for _ in range(4)]
    AnswerFactory(question=asked[0], kind=Answer.Kind.LIVE, body="…", published_at=now)
    written = AnswerFactory(question=asked[1], body="…", published_at=now)
    Question.objects.filter(pk=asked[1].pk).update(answer_due_at=now + timedelta(days=10))
    AnswerRating.objects.create(answer=written, participant=asked[1].author, score=4)
    QuestionFactory(
        event=event,
        status=Question.Status.REJECTED,
        rejection_reason=Question.RejectionReason.OFF_TOPIC,
    )
    standing = event_services.open_standing_qa(actor=organiser, agency=event.agency, answer_days=10)
    QuestionFactory(event=standing, status=Question.Status.APPROVED)
    return event


def live_report(agency: Agency) -> AgencyReport:
    start, end = period_bounds(START, END)
    return agency_report(agency, start=start, end=end)


def issue(actor: User, agency: Agency, **kwargs: object) -> IssuedReport:
    return issue_agency_report(
        actor=actor, agency=agency, start=START, end=END, **{**SIGNER, **kwargs}
    )


def official_report(page: bytes) -> str:
    """The report itself, without the page around it (its CSRF token, its messages)."""
    found = re.search(r'<article class="official-report".*?</article>', page.decode(), re.S)
    assert found is not None
    return found.group(0)


def fetch(client: Client, issued: IssuedReport) -> tuple[str, bytes, bytes]:
    args = [issued.agency.slug, issued.pk]
    page = client.get(reverse("reports:issued", args=args))
    pdf = client.get(reverse("reports:issued_pdf", args=args))
    xlsx = client.get(reverse("reports:issued_xlsx", args=args))
    assert page.status_code == pdf.status_code == xlsx.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{issued.pdf_filename}"'
    return official_report(page.content), pdf.content, xlsx.content


def stored(issued: IssuedReport) -> dict[str, object]:
    row = IssuedReport.objects.values().get(pk=issued.pk)
    return {
        key: bytes(value) if isinstance(value, memoryview) else value for key, value in row.items()
    }


def test_issuing_stores_the_figures_and_the_files(held: Event, organiser: User) -> None:
    agency = held.agency
    issued = issue(organiser, agency)
    issued.refresh_from_db()
    assert issued.number == f"1/BC-{agency.slug.upper()}"
    assert (issued.year, issued.sequence) == (timezone.localdate().year, 1)
    assert (issued.period_start, issued.period_end) == (START, END)
    assert issued.issued_by == organiser
    assert (issued.signer_name, issued.signer_title) == ("Nguyễn Văn An", "Giám đốc")
    assert issued.place == "Bắc Ninh"
    assert issued.corrects is None
    live = live_report(agency)
    assert issued.figures == to_figures(live)
    assert issued.figures["total"]["received"] == 5
    assert issued.figures["total"]["answered"] == live.total.answered
    assert issued.figures["standing"]["received"] == 1
    assert issued.figures["satisfaction"]["average"] == 4.0
    assert bytes(issued.pdf).startswith(b"%PDF")
    sheet = load_workbook(io.BytesIO(bytes(issued.xlsx)))["Theo đơn vị"]
    header, *_rows, total = sheet.iter_rows(values_only=True)
    assert total[0] == "Tổng cộng"  # not the agency's name, which heads its own row
    assert total[header.index("Số câu hỏi nhận được")] == live.total.received == 5


def test_the_pdf_carries_the_number_the_place_the_date_and_the_signer(
    held: Event, organiser: User
) -> None:
    from pypdf import PdfReader

    issued = issue(organiser, held.agency)
    reader = PdfReader(io.BytesIO(bytes(issued.pdf)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    issued_on = issued.issued_at.astimezone(VN).date()
    assert f"Số: {issued.number}" in text
    assert f"Bắc Ninh, {vietnamese_date(issued_on)}" in text
    assert "GIÁM ĐỐC" in text
    assert "Nguyễn Văn An" in text
    assert "tiếp nhận 5 câu hỏi" in text


def vietnamese_date(day: date) -> str:
    """The date as a Vietnamese document writes it: a day below 10 and January and February
    with a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def test_the_issued_report_stays_as_issued_when_the_data_changes(
    held: Event, organiser: User
) -> None:
    client = staff_client(organiser)
    agency = held.agency
    response = client.post(reverse("reports:issue", args=[agency.slug]), {**PERIOD, **SIGNER})
    issued = IssuedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:issued", args=[agency.slug, issued.pk])
    page, pdf, xlsx = fetch(client, issued)
    assert 'class="report-number" data-figure="number">' + issued.number in page
    assert vietnamese_date(issued.issued_at.astimezone(VN).date()) in page
    assert "tiếp nhận 5 câu hỏi" in page
    assert (pdf, xlsx) == (stored(issued)["pdf"], stored(issued)["xlsx"])

    # The answers are changed, the unanswered questions erased, the agency renamed.
    Answer.objects.filter(question__event=held).update(kind=Answer.Kind.WRITTEN)
    Question.objects.filter(event__agency=agency, answer__isnull=True).delete()
    Agency.objects.filter(pk=agency.pk).update(name="Sở Tư pháp (tên mới)")
    now = live_report(Agency.objects.get(pk=agency.pk))
    assert now.standing is not None
    assert (now.total.received, now.total.answered_live, now.standing.received) == (2, 0, 0)

    assert fetch(client, issued) == (page, pdf, xlsx)
    assert fetch(client, issued) == (page, pdf, xlsx)
    assert agency.name in page
    live = client.get(reverse("reports:agency", args=[agency.slug]), PERIOD)
    assert "tiếp nhận 2 câu hỏi" in official_report(live.content)
    assert "tiếp nhận 5 câu hỏi" not in official_report(live.content)


def test_numbers_count_up_per_agency_and_start_again_each_year(
    held: Event, organiser: User
) -> None:
    agency = held.agency
    other = EventFactory(status=Event.Status.ENDED).agency
    AgencyMembershipFactory(agency=other, user=organiser)
    with time_machine.travel(datetime(2031, 12, 31, 10, 0, tzinfo=UTC), tick=False):
        first, second = issue(organiser, agency), issue(organiser, agency)
        elsewhere = issue(organiser, other)
    # 17:30 on 31 December in UTC is already the new year in Vietnam.
    with time_machine.travel(datetime(2031, 12, 31, 17, 30, tzinfo=UTC), tick=False):
        next_year = issue(organiser, agency)
    assert [i.number.split("/")[0] for i in (first, second, elsewhere, next_year)] == [
        "1",
        "2",
        "1",
        "1",
    ]
    assert [i.year for i in (first, second, elsewhere, next_year)] == [2031, 2031, 2031, 2032]
    assert elsewhere.number == f"1/BC-{other.slug.upper()}"


def test_a_correction_names_the_old_one_which_stays_as_issued(held: Event, organiser: User) -> None:
    client = staff_client(organiser)
    agency = held.agency
    old = issue(organiser, agency)
    before = stored(old)
    Question.objects.filter(event=held, status=Question.Status.REJECTED).delete()
    response = client.post(
        reverse("reports:issue_correction", args=[agency.slug, old.pk]),
        {
            **PERIOD,
            "signer_name": "Trần Thị Bình",
            "signer_title": "Phó Giám đốc",
            "place": "Bắc Ninh",
        },
    )
    new = IssuedReport.objects.exclude(pk=old.pk).get()
    assert response["Location"] == reverse("reports:issued", args=[agency.slug, new.pk])
    assert new.corrects == old
    assert new.number == f"2/BC-{agency.slug.upper()}"
    assert new.figures["total"]["received"] == 4
    assert stored(old) == before

    old_page = client.get(reverse("reports:issued", args=[agency.slug, old.pk])).content.decode()
    assert "corrected by report" in old_page or "được thay thế bằng báo cáo" in old_page
    assert reverse("reports:issued", args=[agency.slug, new.pk]) in old_page
    assert 'action="' + reverse("reports:issue_correction", args=[agency.slug, old.pk]) not in (
        old_page
    )
    new_page = client.get(reverse("reports:issued", args=[agency.slug, new.pk])).content.decode()
    assert f"thay thế Báo cáo số {old.number}" in new_page
    listing = client.get(reverse("reports:issued_list", args=[agency.slug])).content.decode()
    assert old.number in listing
    assert new.number in listing

    # One correction per issue: the next one corrects the correction.
    with pytest.raises(InvalidMessage):
        issue(organiser, agency, corrects=old)
    # A correction replaces an issue of the same agency only.
    other = EventFactory().agency
    AgencyMembershipFactory(agency=other, user=organiser)
    with pytest.raises(InvalidMessage):
        issue(organiser, other, corrects=new)
    assert (
        client.post(
            reverse("reports:issue_correction", args=[other.slug, new.pk]), {**PERIOD, **SIGNER}
        ).status_code
        == 404
    )
    assert IssuedReport.objects.count() == 2


def test_the_service_never_writes_an_existing_row(held: Event, organiser: User) -> None:
    old = issue(organiser, held.agency)
    before = stored(old)
    with CaptureQueriesContext(connection) as queries:
        issue(organiser, held.agency, corrects=old)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "reports_issuedreport" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "DELETE"))
    ]
    assert writes == []
    assert stored(old) == before
    # Nor can anything else: an issued row refuses to be saved again or updated.
    old.signer_name = "Người khác"
    with pytest.raises(IssuedReportIsFinal):
        old.save()
    with pytest.raises(IssuedReportIsFinal):
        IssuedReport.objects.filter(pk=old.pk).update(signer_name="Người khác")
    assert stored(old) == before


@pytest.mark.parametrize("who", ["outsider", "moderator", "other_organiser", "official"])
def test_only_the_agency_reports_right_sees_and_issues(
    held: Event, organiser: User, who: str, request: pytest.FixtureRequest
) -> None:
    issued = issue(organiser, held.agency)
    person = request.getfixturevalue(who)
    client = staff_client(person)
    slug = held.agency.slug
    for name in ("issued", "issued_pdf", "issued_xlsx"):
        assert client.get(reverse(f"reports:{name}", args=[slug, issued.pk])).status_code == 403
    assert client.get(reverse("reports:issued_list", args=[slug])).status_code == 403
    issue_url = reverse("reports:issue", args=[slug])
    assert client.post(issue_url, {**PERIOD, **SIGNER}).status_code == 403
    correct_url = reverse("reports:issue_correction", args=[slug, issued.pk])
    assert client.post(correct_url, {**PERIOD, **SIGNER}).status_code == 403
    with pytest.raises(NotAllowed):
        issue(person, held.agency)
    assert IssuedReport.objects.count() == 1
    anonymous = Client().get(reverse("reports:issued", args=[slug, issued.pk]))
    assert anonymous.status_code == 302
    assert "/accounts/login" in anonymous["Location"]


def test_a_get_on_the_issue_urls_writes_nothing(held: Event, organiser: User) -> None:
    client = staff_client(organiser)
    slug = held.agency.slug
    assert (
        client.get(reverse("reports:issue", args=[slug]), {**PERIOD, **SIGNER}).status_code == 405
    )
    old = issue(organiser, held.agency)
    correct_url = reverse("reports:issue_correction", args=[slug, old.pk])
    assert client.get(correct_url, {**PERIOD, **SIGNER}).status_code == 405
    assert list(IssuedReport.objects.values_list("pk", flat=True)) == [old.pk]


def test_the_agency_report_page_offers_to_issue_it(held: Event, organiser: User) -> None:
    client = staff_client(organiser)
    page = client.get(reverse("reports:agency", args=[held.agency.slug]), PERIOD)
    html = page.content.decode()
    assert f'action="{reverse("reports:issue", args=[held.agency.slug])}"' in html
    assert "csrfmiddlewaretoken" in html
    assert f'value="{START.isoformat()}"' in html


def test_an_incomplete_form_issues_nothing(held: Event, organiser: User) -> None:
    client = staff_client(organiser)
    url = reverse("reports:issue", args=[held.agency.slug])
    response = client.post(
        url, {**PERIOD, "signer_name": " ", "signer_title": "Giám đốc", "place": "Bắc Ninh"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reports:agency", args=[held.agency.slug]))
    assert not IssuedReport.objects.exists()


def test_a_report_issued_from_the_english_pages_is_in_vietnamese(
    held: Event, organiser: User
) -> None:
    client = staff_client(organiser)
    client.cookies["django_language"] = "en"
    client.post(reverse("reports:issue", args=[held.agency.slug]), {**PERIOD, **SIGNER})
    issued = IssuedReport.objects.get()
    with translation.override("vi"):
        off_topic = str(Question.RejectionReason.OFF_TOPIC.label)
    assert issued.figures["rejected_by_reason"] == [[off_topic, 1]]
    assert off_topic != "Off topic for this dialogue"


def test_the_figures_hold_the_whole_report_and_are_read_back_as_stored(
    held: Event, organiser: User
) -> None:
    figures = to_figures(live_report(held.agency))
    assert {f.name for f in fields(AgencyReport)} <= set(figures)
    assert to_figures(from_figures(figures)) == figures
    # What the rows work out from their fields is read from the figures, not worked out again.
    figures["total"]["on_time_percent"] = 12.5
    figures["standing"]["on_time_percent"] = 50.0
    report = from_figures(figures)
    assert report.total.on_time_percent == 12.5
    assert report.standing is not None
    assert report.standing.on_time_percent == 50.0


def test_a_province_organiser_issues_for_a_department(held: Event) -> None:
    province = Agency.objects.create(name="UBND tỉnh", slug="ubnd-tinh")
    Agency.objects.filter(pk=held.agency.pk).update(parent=province)
    head = UserFactory()
    AgencyMembershipFactory(agency=province, user=head)
    issued = issue(head, Agency.objects.get(pk=held.agency.pk))
    assert issued.figures["agency"]["parent"] == "UBND tỉnh"
    page = staff_client(head).get(reverse("reports:issued", args=[held.agency.slug, issued.pk]))
    assert "UBND tỉnh" in official_report(page.content)


def test_deleting_the_issuers_account_leaves_the_report(held: Event, organiser: User) -> None:
    issued = issue(organiser, held.agency)
    before = stored(issued)
    organiser.delete()
    after = stored(issued)
    assert after.pop("issued_by_id") is None
    assert after == {key: value for key, value in before.items() if key != "issued_by_id"}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_issues_at_once_get_the_next_two_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock on the agency: the second issue waits for the first and takes the next number."""
    agency, organiser = AgencyFactory(), UserFactory()
    AgencyMembershipFactory(agency=agency, user=organiser)

    def slow_pdf(html: str, *, base_url: str) -> bytes:
        time.sleep(0.3)  # both issues are under way at once
        return b"%PDF-1.7\n"

    monkeypatch.setattr(exports, "agency_report_pdf", slow_pdf)
    start = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            start.wait()
            numbers.append(issue(organiser, agency).number)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [f"{n}/BC-{agency.slug.upper()}" for n in (1, 2)]


def test_the_admin_shows_issued_reports_read_only(
    held: Event, organiser: User, admin_user: User
) -> None:
    issued = issue(organiser, held.agency)
    before = stored(issued)
    client = staff_client(admin_user)
    change = reverse("admin:reports_issuedreport_change", args=[issued.pk])
    assert client.get(reverse("admin:reports_issuedreport_changelist")).status_code == 200
    page = client.get(change)
    assert page.status_code == 200
    assert issued.number in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change, {"signer_name": "Người khác"}).status_code == 403
    delete = reverse("admin:reports_issuedreport_delete", args=[issued.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:reports_issuedreport_add")).status_code == 403
    assert stored(issued) == before
