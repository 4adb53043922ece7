"""The reports against the seeded demo: every figure recounted here with plain SQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Agency, AgencyMembership, Event, EventRole, User
from reports import exports
from reports.selectors import agency_report, dialogue_report
from tests.factories import UserFactory, enable_totp

PAST = "hoi-dap-thua-ke-dat-dai-2026"


@pytest.fixture
def seeded(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())


def scalar(sql: str, *params: object) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def staff_client(user: User) -> Client:
    enable_totp(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "mfa", "type": "totp"}]
    session.save()
    return client


def test_the_dialogue_report_reconciles_with_the_database(seeded: None) -> None:
    event = Event.objects.get(slug=PAST)
    report = dialogue_report(event)
    q = "SELECT COUNT(*) FROM dialogue_question WHERE event_id = %s"
    assert report.received == scalar(q, event.pk) > 0
    assert report.approved == scalar(q + " AND status IN ('approved', 'answered')", event.pk)
    assert report.rejected == scalar(q + " AND status = 'rejected'", event.pk) > 0
    assert report.merged == scalar(q + " AND status = 'merged'", event.pk) > 0
    by_reason = {code: n for code, _label, n in report.rejected_by_reason}
    assert by_reason == {"off_topic": 3, "personal_case": 2}
    answers = (
        "SELECT COUNT(*) FROM dialogue_answer a JOIN dialogue_question q ON q.id = a.question_id"
        " WHERE q.event_id = %s AND a.kind = %s"
    )
    assert report.answered_live == scalar(answers, event.pk, "live") == 9
    assert report.answered_written == scalar(answers, event.pk, "written") == 8
    assert report.votes == scalar(
        "SELECT COUNT(*) FROM dialogue_vote v JOIN dialogue_question q ON q.id = v.question_id"
        " WHERE q.event_id = %s",
        event.pk,
    )
    assert report.participants == scalar(
        "SELECT COUNT(*) FROM dialogue_participant p WHERE p.event_id = %s AND ("
        " EXISTS (SELECT 1 FROM dialogue_question q WHERE q.author_id = p.id) OR"
        " EXISTS (SELECT 1 FROM dialogue_vote v WHERE v.participant_id = p.id))",
        event.pk,
    )
    assert report.peak_concurrent == scalar(
        "SELECT MAX(connected) FROM dialogue_presencesample WHERE event_id = %s", event.pk
    )
    unanswered = (
        q + " AND answer_due_at IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM dialogue_answer a"
        " WHERE a.question_id = dialogue_question.id)"
    )
    assert report.overdue + report.still_due == scalar(unanswered, event.pk) == 1
    assert len(report.presence) == 121


def test_the_agency_report_adds_up_its_dialogues(seeded: None) -> None:
    agency = Agency.objects.get(slug="so-tu-phap-bac-ninh")
    now = timezone.now()
    report = agency_report(agency, start=now - timedelta(days=365), end=now)
    held = Event.objects.filter(
        agency=agency, status__in=["live", "ended"], starts_at__gte=now - timedelta(days=365)
    )
    assert report.total.dialogues == held.count() >= 4
    assert report.total.received == scalar(
        "SELECT COUNT(*) FROM dialogue_question q JOIN events_event e ON e.id = q.event_id"
        " WHERE e.agency_id = %s AND e.status IN ('live', 'ended') AND e.starts_at >= %s",
        agency.pk,
        now - timedelta(days=365),
    )
    assert report.total.answered_on_time == 6 + 5 + 3
    assert sum(row.received for row in report.by_field) == report.total.received


def test_the_csv_export_parses_back_and_escapes_formulas(seeded: None) -> None:
    event = Event.objects.get(slug=PAST)
    first = event.questions.order_by("created_at", "pk").first()
    assert first is not None
    first.text = '=HYPERLINK("http://evil")'
    first.save(update_fields=["text"])
    rows = list(csv.reader(io.StringIO(exports.questions_csv(event).decode("utf-8-sig"))))
    assert rows[0][:3] == ["STT", "Câu hỏi", "Trạng thái"]
    assert len(rows) - 1 == event.questions.count()
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_the_xlsx_exports_open(seeded: None) -> None:
    event = Event.objects.get(slug=PAST)
    book = load_workbook(io.BytesIO(exports.questions_xlsx(event)))
    assert book["Câu hỏi"].max_row - 1 == event.questions.count()
    agency = Agency.objects.get(slug="so-tu-phap-bac-ninh")
    now = timezone.now()
    report = agency_report(agency, start=now - timedelta(days=365), end=now)
    sheet = load_workbook(io.BytesIO(exports.agency_report_xlsx(report)))["Theo đơn vị"]
    header, *_rows, total = sheet.iter_rows(values_only=True)
    assert total[header.index("Số câu hỏi nhận được")] == report.total.received


@pytest.mark.parametrize("escaped", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_prefix_is_escaped(escaped: str) -> None:
    assert exports.escape_cell(escaped) == "'" + escaped
    assert exports.escape_cell(-1) == -1


def test_outsiders_and_citizens_are_refused_the_reports(seeded: None) -> None:
    outsider = UserFactory(display_name="Người ngoài")
    AgencyMembership.objects.create(
        agency=Agency.objects.get(slug="ubnd-xa-hoa-binh"), user=outsider
    )
    citizen = User.objects.get(email="congdan@example.org")
    for user in (outsider, citizen):
        client = staff_client(user)
        for url in (
            reverse("reports:dialogue", args=[PAST]),
            reverse("reports:dialogue_export", args=[PAST, "csv"]),
            reverse("reports:agency", args=["so-tu-phap-bac-ninh"]),
            reverse("reports:agency_xlsx", args=["so-tu-phap-bac-ninh"]),
        ):
            assert client.get(url).status_code in (302, 403), (user, url)


def test_organisers_and_moderators_see_the_reports(seeded: None) -> None:
    moderator = EventRole.objects.filter(role="moderator", event__slug=PAST).first()
    event = Event.objects.get(slug=PAST)
    if moderator is None:
        user = UserFactory()
        EventRole.objects.create(event=event, user=user, role="moderator")
    else:
        user = moderator.user
    response = staff_client(user).get(reverse("reports:dialogue", args=[PAST]))
    assert response.status_code == 200
    assert b'role="img"' in response.content
    assert b"<title" in response.content
    organiser = User.objects.get(email="tochuc@example.org")
    page = staff_client(organiser).get(
        reverse("reports:agency", args=["so-tu-phap-bac-ninh"]),
        {"start": "2000-01-01", "end": "2100-01-01"},
    )
    text = page.content.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "BÁO CÁO" in text


def test_the_public_statistics_page_is_open_and_names_nobody(seeded: None) -> None:
    response = Client().get(reverse("reports:public_statistics", args=["so-tu-phap-bac-ninh"]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Người dân 1" not in text
    assert "Nguyễn Đức Long" not in text
    assert "Câu hỏi số" not in text
    agency_page = Client().get(reverse("events:agency", args=["so-tu-phap-bac-ninh"]))
    assert (
        reverse("reports:public_statistics", args=["so-tu-phap-bac-ninh"])
        in agency_page.content.decode()
    )


def test_a_bad_period_changes_nothing_and_is_refused(seeded: None) -> None:
    organiser = User.objects.get(email="tochuc@example.org")
    response = staff_client(organiser).get(
        reverse("reports:agency", args=["so-tu-phap-bac-ninh"]), {"start": "not-a-date"}
    )
    assert response.status_code in (400, 403)
