"""Organisers create, edit, schedule, copy, run and cancel their agency's dialogues."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import permissions, services
from events.models import Agency, Event, LegalDocument, User
from live.errors import Conflict, InvalidMessage, NotAllowed
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    EventFactory,
    UserFactory,
    enable_totp,
)

pytestmark = pytest.mark.django_db


def details(**changes: object) -> services.EventDetails:
    starts = timezone.now() + timedelta(days=3)
    base = services.EventDetails(
        title="Đối thoại về Luật Đất đai 2024",
        description="Cấp giấy chứng nhận quyền sử dụng đất.",
        legal_field=Event.LegalField.LAND,
        topic="Luật Đất đai 2024",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        questions_open_at=starts - timedelta(days=2),
        stream_url="https://www.youtube.com/watch?v=abcdefghijk",
        documents=(
            services.LegalDocumentDetails(
                title="Luật Đất đai", number="31/2024/QH15", url="https://vanban.chinhphu.vn/"
            ),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_an_organiser_creates_a_draft_with_its_documents(organiser, event):
    created = services.create_event(actor=organiser, agency=event.agency, details=details())
    assert created.status == Event.Status.DRAFT
    assert created.slug == "doi-thoai-ve-luat-dat-dai-2024"
    assert created.legal_field == "land"
    assert created.format == Event.Format.ONLINE  # unless the organiser says otherwise
    assert list(created.legal_documents.values_list("number", flat=True)) == ["31/2024/QH15"]


def test_the_short_link_is_made_unique_and_never_takes_a_reserved_word(organiser, event):
    first = services.create_event(actor=organiser, agency=event.agency, details=details())
    second = services.create_event(actor=organiser, agency=event.agency, details=details())
    assert second.slug == f"{first.slug}-2"
    new = services.create_event(actor=organiser, agency=event.agency, details=details(title="New"))
    assert new.slug == "new-2"
    with pytest.raises(Conflict) as refused:
        services.create_event(
            actor=organiser, agency=event.agency, details=details(), slug=first.slug
        )
    assert refused.value.code == "slug_taken"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "   "}, "invalid_title"),
        ({"legal_field": "astrology"}, "invalid_legal_field"),
        ({"format": "by_pigeon"}, "invalid_format"),
        ({"moderation_mode": "never"}, "invalid_moderation_mode"),
        ({"question_max_length": 10}, "invalid_question_length"),
        ({"written_answer_days": 0}, "invalid_answer_days"),
        ({"stream_url": "javascript:alert(1)"}, "invalid_stream_url"),
        (
            {"documents": (services.LegalDocumentDetails(title="", number="1/2024"),)},
            "invalid_documents",
        ),
    ],
)
def test_bad_details_are_refused_with_a_code_and_write_nothing(organiser, event, changes, code):
    before = Event.objects.count(), LegalDocument.objects.count()
    with pytest.raises(InvalidMessage) as refused:
        services.create_event(actor=organiser, agency=event.agency, details=details(**changes))
    assert refused.value.code == code
    assert (Event.objects.count(), LegalDocument.objects.count()) == before


def test_a_dialogue_must_end_after_it_starts_and_open_before_it_ends(organiser, event):
    good = details()
    with pytest.raises(InvalidMessage) as refused:
        services.create_event(
            actor=organiser, agency=event.agency, details=replace(good, ends_at=good.starts_at)
        )
    assert refused.value.code == "invalid_schedule"
    with pytest.raises(InvalidMessage) as refused:
        services.create_event(
            actor=organiser,
            agency=event.agency,
            details=replace(good, questions_open_at=good.ends_at),
        )
    assert refused.value.code == "invalid_intake"


def test_only_the_agencys_organisers_create_edit_and_copy(event, outsider, moderator):
    for person in (outsider, moderator):
        with pytest.raises(NotAllowed):
            services.create_event(actor=person, agency=event.agency, details=details())
        with pytest.raises(NotAllowed):
            services.update_event(actor=person, event=event, details=details())
        with pytest.raises(NotAllowed):
            services.clone_event(actor=person, event=event)
    assert Event.objects.count() == 1


def test_editing_replaces_the_details_and_documents_but_keeps_the_link(organiser, event):
    slug = event.slug
    services.update_event(
        actor=organiser,
        event=event,
        details=details(title="Tên mới", documents=(), moderation_mode="post"),
    )
    event.refresh_from_db()
    assert (event.title, event.slug, event.moderation_mode) == ("Tên mới", slug, "post")
    assert not event.legal_documents.exists()


def test_an_archived_dialogue_cannot_be_edited(organiser, event):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ARCHIVED)
    with pytest.raises(Conflict) as refused:
        services.update_event(actor=organiser, event=event, details=details())
    assert refused.value.code == "archived"


def test_a_copy_is_a_draft_a_week_later_with_the_same_documents(organiser, event):
    original = services.create_event(actor=organiser, agency=event.agency, details=details())
    copy = services.clone_event(actor=organiser, event=original)
    assert copy.pk != original.pk
    assert copy.slug != original.slug
    assert copy.status == Event.Status.DRAFT
    assert copy.starts_at - original.starts_at == timedelta(days=7)
    assert copy.legal_documents.count() == 1
    past = services.clone_event(actor=organiser, event=event)  # started 30 minutes ago
    assert past.starts_at > timezone.now()


def test_embed_origins_are_checked_strictly(organiser, event):
    agency = services.set_embed_origins(
        actor=organiser,
        agency=event.agency,
        origins="https://Portal.Example.gov.vn/\n\nhttp://localhost:8080\nhttps://portal.example.gov.vn",
    )
    assert agency.frame_origins == ["https://portal.example.gov.vn", "http://localhost:8080"]
    for bad in (
        "https://a.vn; script-src *",
        "portal.example.gov.vn",
        "https://*.vn",
        "ftp://a.vn",
    ):
        with pytest.raises(InvalidMessage) as refused:
            services.set_embed_origins(actor=organiser, agency=event.agency, origins=bad)
        assert refused.value.code == "invalid_origin"
    event.agency.refresh_from_db()
    assert event.agency.frame_origins == agency.frame_origins


# --- The hierarchy -------------------------------------------------------------------------------


def province_with_department() -> tuple[Agency, Agency, Agency, User]:
    province = AgencyFactory(name="UBND tỉnh Bắc Ninh", slug="bac-ninh")
    department = AgencyFactory(name="Sở Tư pháp Bắc Ninh", slug="stp-bac-ninh", parent=province)
    district = AgencyFactory(name="UBND huyện Tiên Du", slug="tien-du", parent=department)
    return province, department, district, UserFactory()


def test_organisers_of_a_province_run_its_departments_and_districts_not_the_reverse():
    province, department, district, person = province_with_department()
    AgencyMembershipFactory(agency=province, user=person)
    assert permissions.is_organiser(person, district)
    assert permissions.can_manage_event(person, EventFactory(agency=department))

    department_organiser = UserFactory()
    AgencyMembershipFactory(agency=department, user=department_organiser)
    sibling = AgencyFactory(parent=province)
    assert permissions.is_organiser(department_organiser, district)
    assert not permissions.is_organiser(department_organiser, province)
    assert not permissions.is_organiser(department_organiser, sibling)


def test_a_cycle_in_the_hierarchy_does_not_hang_the_check():
    province, department, _district, person = province_with_department()
    Agency.objects.filter(pk=province.pk).update(parent=department)
    assert not permissions.is_organiser(person, department)


def test_the_agency_page_lists_the_dialogues_of_the_agencies_under_it(client):
    province, department, _district, _person = province_with_department()
    EventFactory(agency=department, title="Đối thoại của Sở", status=Event.Status.SCHEDULED)
    EventFactory(agency=province, title="Bản nháp", status=Event.Status.DRAFT)
    page = client.get(province.get_absolute_url()).content.decode()
    assert "Đối thoại của Sở" in page
    assert "Sở Tư pháp Bắc Ninh" in page
    assert "Bản nháp" not in page


# --- The pages -----------------------------------------------------------------------------------


@pytest.fixture
def organiser_client(client, organiser):  # type: ignore[no-untyped-def]
    enable_totp(organiser)
    client.force_login(organiser)
    return client


def form_data(**changes: str) -> dict[str, str]:
    starts = timezone.localtime() + timedelta(days=5)
    data = {
        "title": "Hỏi đáp pháp luật về hộ tịch",
        "slug": "ho-tich-2025",
        "legal_field": "administrative",
        "format": "hybrid",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "moderation_mode": "pre",
        "allow_anonymous": "on",
        "question_max_length": "500",
        "written_answer_days": "15",
        "documents-TOTAL_FORMS": "2",
        "documents-INITIAL_FORMS": "0",
        "documents-0-title": "Luật Hộ tịch",
        "documents-0-number": "60/2014/QH13",
        "documents-0-url": "https://vanban.chinhphu.vn/",
        "documents-1-title": "",
    }
    data.update(changes)
    return data


def test_the_organiser_creates_schedules_starts_ends_a_dialogue_from_the_pages(
    organiser_client, organiser, event
):
    agency = event.agency
    response = organiser_client.post(
        reverse("events:manage:create_event", args=[agency.slug]), form_data()
    )
    created = Event.objects.get(slug="ho-tich-2025")
    assert created.format == Event.Format.HYBRID
    assert response.headers["Location"] == reverse(
        "events:manage:event", args=[agency.slug, created.slug]
    )
    page = organiser_client.get(response.headers["Location"]).content.decode()
    assert "Luật Hộ tịch" in page
    assert 'data-status="scheduled"' in page
    status_url = reverse("moderation:status", args=[created.slug])
    for status in ("scheduled", "live", "ended", "archived"):
        organiser_client.post(status_url, {"status": status})
        created.refresh_from_db()
        assert created.status == status


def test_cancelling_a_scheduled_dialogue_takes_it_back_to_draft(organiser_client, event):
    event.status = Event.Status.SCHEDULED
    event.save()
    page = organiser_client.get(
        reverse("events:manage:event", args=[event.agency.slug, event.slug])
    ).content.decode()
    assert 'data-status="draft"' in page
    organiser_client.post(
        reverse("moderation:status", args=[event.slug]),
        {"status": "draft"},
    )
    event.refresh_from_db()
    assert event.status == Event.Status.DRAFT
    assert event.title not in organiser_client.get(reverse("dialogue:catalogue")).content.decode()


def test_a_refused_form_explains_itself_and_writes_nothing(organiser_client, event):
    response = organiser_client.post(
        reverse("events:manage:create_event", args=[event.agency.slug]),
        form_data(ends_at=form_data()["starts_at"], **{"documents-0-url": "not a link"}),
    )
    assert response.status_code == 400
    assert Event.objects.count() == 1
    response = organiser_client.post(
        reverse("events:manage:create_event", args=[event.agency.slug]),
        form_data(ends_at=form_data()["starts_at"]),
    )
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert Event.objects.count() == 1


def test_an_impossible_transition_is_refused_with_a_message(organiser_client, event):
    response = organiser_client.post(
        reverse("moderation:status", args=[event.slug]),
        {"status": "archived"},
        follow=True,
    )
    event.refresh_from_db()
    assert event.status == Event.Status.LIVE
    assert response.status_code == 200


def test_an_event_of_another_agency_is_not_found_under_this_one(organiser_client, event):
    elsewhere = EventFactory()
    url = reverse("events:manage:event", args=[event.agency.slug, elsewhere.slug])
    assert organiser_client.get(url).status_code == 404
