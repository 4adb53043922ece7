"""The national roll-up: a signed document of issued reports, checked, imported and summed once.

Two publishers' documents are made here in one database (the agencies of each are the
publisher's); `test_rollup_instances.py` does the same across two real servers.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from events.models import Agency, User
from live.errors import InvalidMessage
from reports.issued import period_bounds, to_figures
from reports.models import IssuedReport, RollupImport, RollupReport, RollupSource
from reports.rollup import document, services
from reports.rollup.selectors import field_key, rollup
from reports.selectors import agency_report
from tests.factories import AgencyFactory, EventFactory, ParticipantFactory, QuestionFactory
from tests.reports.test_reports import staff_client

pytestmark = pytest.mark.django_db

YEAR = date(2026, 1, 1), date(2026, 12, 31)
RECEIVED = field_key("total", "received")


@pytest.fixture
def key(settings) -> str:  # type: ignore[no-untyped-def]
    secret = document.new_private_key()
    settings.ROLLUP_SIGNING_KEY = secret
    settings.ROLLUP_FEED_TOKEN = "token-of-the-feed"
    settings.ROLLUP_PUBLISHER = "Sở Tư pháp tỉnh Bắc Ninh"
    return secret


def issued(
    agency: Agency,
    *,
    questions: int,
    start: date = YEAR[0],
    end: date = YEAR[1],
    corrects: IssuedReport | None = None,
    sequence: int | None = None,
) -> IssuedReport:
    """An issued report of the agency whose figures count `questions` questions received."""
    event = EventFactory(agency=agency, status="ended")
    for _ in range(questions):
        QuestionFactory(event=event, author=ParticipantFactory(event=event))
    bounds = period_bounds(start, end)
    figures = json.loads(
        json.dumps(to_figures(agency_report(agency, start=bounds[0], end=bounds[1])))
    )
    event.delete()  # the next report of the agency counts only its own questions
    n = sequence or IssuedReport.objects.filter(agency=agency).count() + 1
    return IssuedReport.objects.create(
        agency=agency,
        year=start.year,
        sequence=n,
        number=f"{n}/BC-{agency.slug.upper()}",
        period_start=start,
        period_end=end,
        signer_name="Nguyễn Văn An",
        signer_title="Giám đốc",
        figures=figures,
        pdf=b"%PDF",
        xlsx=b"PK",
        corrects=corrects,
    )


def source_for(secret: str, name: str = "Bắc Ninh") -> RollupSource:
    public = document.public_key_text(document.private_key(secret))
    return RollupSource.objects.create(name=name, public_key=public)


def test_a_document_is_signed_and_checked_with_the_publisher_s_key(key: str, admin_user) -> None:
    province = AgencyFactory(name="UBND tỉnh Bắc Ninh")
    issued(AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", parent=province), questions=3)
    raw = document.build_document()
    source = source_for(key)
    record = services.import_document(actor=admin_user, source=source, raw=raw, via="upload")
    assert (record.reports, record.added) == (1, 1)
    stored = RollupReport.objects.get()
    assert stored.lineage[0]["name"] == "UBND tỉnh Bắc Ninh"
    assert stored.figures["total"]["received"] == 3
    # A forged document: another key, or the payload changed after signing.
    other = source_for(document.new_private_key(), name="Kẻ mạo danh")
    with pytest.raises(InvalidMessage) as forged:
        services.import_document(actor=admin_user, source=other, raw=raw, via="upload")
    assert forged.value.code == "bad_signature"
    envelope = json.loads(raw)
    envelope["payload"] = envelope["payload"].replace('"received": 3', '"received": 300')
    with pytest.raises(InvalidMessage) as altered:
        services.import_document(
            actor=admin_user, source=source, raw=json.dumps(envelope).encode(), via="upload"
        )
    assert altered.value.code == "bad_signature"
    with pytest.raises(InvalidMessage):
        services.import_document(actor=admin_user, source=source, raw=b"{}", via="upload")
    assert RollupReport.objects.count() == 1
    assert RollupImport.objects.count() == 1


def test_importing_again_adds_only_what_is_new(key: str, admin_user) -> None:
    agency = AgencyFactory()
    issued(agency, questions=2)
    source = source_for(key)
    services.import_document(
        actor=admin_user, source=source, raw=document.build_document(), via="upload"
    )
    issued(agency, questions=1, start=date(2027, 1, 1), end=date(2027, 3, 31))
    again = services.import_document(
        actor=admin_user, source=source, raw=document.build_document(), via="upload"
    )
    assert (again.reports, again.added) == (2, 1)
    assert RollupReport.objects.count() == 2


def test_a_report_given_again_with_other_figures_is_refused_whole(key: str, admin_user) -> None:
    report = issued(AgencyFactory(), questions=2)
    source = source_for(key)
    raw = document.build_document()
    services.import_document(actor=admin_user, source=source, raw=raw, via="upload")
    figures = dict(report.figures)
    figures["total"] = {**figures["total"], "received": 99}
    IssuedReport.objects.filter(pk=report.pk).delete()
    IssuedReport.objects.create(
        **{
            **{f: getattr(report, f) for f in ("agency", "year", "sequence", "number")},
            "pk": report.pk,
            "period_start": report.period_start,
            "period_end": report.period_end,
            "signer_name": "X",
            "signer_title": "Y",
            "figures": figures,
            "pdf": b"",
            "xlsx": b"",
        }
    )
    with pytest.raises(InvalidMessage) as changed:
        services.import_document(
            actor=admin_user, source=source, raw=document.build_document(), via="upload"
        )
    assert changed.value.code == "report_changed"
    assert RollupReport.objects.get().figures["total"]["received"] == 2
    assert RollupImport.objects.count() == 1


def test_sums_by_province_count_each_report_once(key: str, admin_user, settings) -> None:
    """Corrections replace, overlapping reports of an agency and sub-agencies' reports within a
    report above them are shown and not summed; two publishers' provinces are apart."""
    province = AgencyFactory(name="UBND tỉnh Bắc Ninh")
    department = AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", parent=province)
    commune = AgencyFactory(name="UBND xã Hòa Bình", parent=province)
    first = issued(department, questions=5)
    correction = issued(department, questions=6, corrects=first)
    issued(department, questions=2, start=date(2026, 1, 1), end=date(2026, 3, 31))  # overlaps
    issued(commune, questions=4)
    source = source_for(key)
    services.import_document(
        actor=admin_user, source=source, raw=document.build_document(), via="upload"
    )
    # Another province's installation: its own key, its own agencies.
    IssuedReport.objects.filter(corrects__isnull=False).delete()
    IssuedReport.objects.all().delete()
    settings.ROLLUP_SIGNING_KEY = other_key = document.new_private_key()
    other_province = AgencyFactory(name="UBND tỉnh Thái Nguyên")
    issued(other_province, questions=7)
    second = source_for(other_key, name="Thái Nguyên")
    services.import_document(
        actor=admin_user, source=second, raw=document.build_document(), via="upload"
    )

    summed = rollup(start=YEAR[0], end=YEAR[1])
    by_name = {p.name: p for p in summed.provinces}
    bac_ninh = by_name["UBND tỉnh Bắc Ninh"]
    assert bac_ninh.sums.values[RECEIVED] == 6 + 4  # the correction and the commune
    assert by_name["UBND tỉnh Thái Nguyên"].sums.values[RECEIVED] == 7
    assert summed.sums.values[RECEIVED] == 17
    rows = {item.report.number: item for item in bac_ninh.reports}
    assert not rows[first.number].counted
    assert rows[correction.number].counted
    assert rows[correction.number].reissued
    assert [n for n, i in rows.items() if not i.counted] == [
        first.number,
        "3/BC-" + department.slug.upper(),
    ]


def test_a_sub_agency_s_report_within_its_province_s_report_is_not_summed_again(
    key: str, admin_user
) -> None:
    province = AgencyFactory(name="UBND tỉnh Bắc Ninh")
    commune = AgencyFactory(name="UBND xã Hòa Bình", parent=province)
    event = EventFactory(agency=commune, status="ended")
    for _ in range(3):
        QuestionFactory(event=event, author=ParticipantFactory(event=event))
    whole = issued(province, questions=0)  # counts the commune's 3 questions
    event.delete()
    part = issued(commune, questions=3)
    services.import_document(
        actor=admin_user, source=source_for(key), raw=document.build_document(), via="upload"
    )
    (province_row,) = rollup(start=YEAR[0], end=YEAR[1]).provinces
    assert province_row.sums.values[RECEIVED] == whole.figures["total"]["received"] == 3
    item = next(i for i in province_row.reports if i.report.number == part.number)
    assert not item.counted
    assert whole.number in item.notes[0]


def test_the_feed_asks_for_its_token_and_is_off_without_a_key(key: str, client, settings) -> None:
    issued(AgencyFactory(), questions=1)
    url = reverse("reports:rollup_feed")
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    answered = client.get(url, headers={"Authorization": "Bearer token-of-the-feed"})
    assert answered.status_code == 200
    assert json.loads(json.loads(answered.content)["payload"])["reports"][0]["number"]
    settings.ROLLUP_FEED_TOKEN = ""
    assert client.get(url, headers={"Authorization": "Bearer "}).status_code == 404


def test_the_pull_runs_on_the_task_queue_and_records_a_failure(
    key: str, admin_user, run_tasks
) -> None:
    source = source_for(key)
    source.feed_url = "http://127.0.0.1:9/rollup/reports.json"  # nothing listens there
    source.save()
    client = staff_client(admin_user)
    response = client.post(reverse("reports:rollup_pull", args=[source.pk]))
    assert response.status_code == 302
    assert not RollupImport.objects.exists()  # nothing is fetched in the request
    assert run_tasks() == 1
    record = RollupImport.objects.get()
    assert record.error
    assert not record.added


def test_the_page_imports_an_uploaded_document_and_shows_the_sums(key: str, admin_user) -> None:
    issued(AgencyFactory(name="UBND tỉnh Bắc Ninh"), questions=4)
    source = source_for(key)
    client = staff_client(admin_user)
    upload = SimpleUploadedFile("bao-cao.json", document.build_document(), "application/json")
    response = client.post(
        reverse("reports:rollup_upload"), {"source": source.pk, "document": upload}
    )
    assert response.status_code == 302
    page = client.get(reverse("reports:rollup"), {"start": "2026-01-01", "end": "2026-12-31"})
    assert page.status_code == 200
    assert "UBND tỉnh Bắc Ninh" in page.content.decode()
    data = client.get(reverse("reports:rollup_data"), {"start": "2026-01-01", "end": "2026-12-31"})
    assert data.json()["sums"]["values"][RECEIVED] == 4
    forged = SimpleUploadedFile("x.json", b'{"payload": "{}", "signature": "AA==", "key_id": ""}')
    refused = client.post(
        reverse("reports:rollup_upload"), {"source": source.pk, "document": forged}
    )
    assert refused.status_code == 400
    assert RollupImport.objects.count() == 1


def test_rollup_key_prints_a_key_pair(capsys) -> None:
    call_command("rollup_key")
    out = capsys.readouterr().out
    secret = out.split("ROLLUP_SIGNING_KEY=")[1].split()[0]
    assert document.public_key_text(document.private_key(secret)) in out


def test_only_site_administrators_run_the_roll_up(organiser: User) -> None:
    assert not services.can_run_rollup(organiser)
    client = staff_client(organiser)
    assert client.get(reverse("reports:rollup")).status_code == 403
