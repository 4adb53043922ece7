"""Agencies change as local government did on 1 July 2025: merged, renamed, moved; audited.

The province's organiser merges the Bắc Giang department into the Bắc Ninh one: the
dialogues, the standing Q&A, the organisers, the invitations and the sub-agencies move; old
links lead to the successor; a report for a period that spans the merge shows both agencies,
the merged one labelled; what was issued stays as issued; the change is recorded and shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue.models import Question
from events import permissions, selectors, services
from events.models import (
    Agency,
    AgencyChange,
    AgencyMembership,
    AgencySlug,
    Event,
    Invitation,
    User,
)
from live.errors import InvalidMessage, NotAllowed
from reports.issued import VN, period_bounds
from reports.models import IssuedReport
from reports.selectors import agency_report
from reports.services import issue_agency_report
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
)
from tests.reports.test_issued import _pdf_libraries  # noqa: F401  (issuing makes the PDF)
from tests.reports.test_reports import staff_client

pytestmark = pytest.mark.django_db

NOW = timezone.now()
MERGED_AT = NOW - timedelta(days=10)
START, END = (NOW - timedelta(days=60)).astimezone(VN).date(), NOW.astimezone(VN).date()
BAC_GIANG = "Sở Tư pháp tỉnh Bắc Giang"
BAC_NINH = "Sở Tư pháp tỉnh Bắc Ninh"


@dataclass
class Province:
    province: Agency
    bac_giang: Agency  # merged into bac_ninh
    bac_ninh: Agency
    commune: Agency  # under bac_giang until the merge
    province_organiser: User
    giang_organiser: User
    ninh_organiser: User
    held_before: Event  # bac_giang's, held before the merge
    held_after: Event  # bac_giang's, scheduled before the merge, held after it
    ninh_held: Event
    commune_held: Event
    giang_standing: Event
    ninh_standing: Event


def held(agency: Agency, days_ago: int, questions: int) -> Event:
    event = EventFactory(
        agency=agency,
        status=Event.Status.ENDED,
        starts_at=NOW - timedelta(days=days_ago),
        ends_at=NOW - timedelta(days=days_ago) + timedelta(hours=2),
    )
    for _ in range(questions):
        QuestionFactory(event=event, author=ParticipantFactory(event=event))
    return event


def ask_standing(event: Event, days_ago: int, count: int) -> None:
    for _ in range(count):
        question = QuestionFactory(event=event, author=ParticipantFactory(event=event))
        Question.objects.filter(pk=question.pk).update(created_at=NOW - timedelta(days=days_ago))


@pytest.fixture
def world() -> Province:
    province = AgencyFactory(name="UBND tỉnh Bắc Ninh", slug="ubnd-tinh-bac-ninh")
    bac_giang = AgencyFactory(name=BAC_GIANG, slug="so-tu-phap-bac-giang", parent=province)
    bac_ninh = AgencyFactory(name=BAC_NINH, slug="so-tu-phap-bac-ninh", parent=province)
    commune = AgencyFactory(name="UBND xã An Bình", slug="ubnd-xa-an-binh", parent=bac_giang)
    people = [UserFactory() for _ in range(3)]
    for agency, person in zip((province, bac_giang, bac_ninh), people, strict=True):
        AgencyMembershipFactory(agency=agency, user=person)
    giang_standing = services.open_standing_qa(actor=people[1], agency=bac_giang, answer_days=10)
    ninh_standing = services.open_standing_qa(actor=people[2], agency=bac_ninh, answer_days=10)
    ask_standing(giang_standing, 20, 3)
    ask_standing(ninh_standing, 20, 1)
    return Province(
        province=province,
        bac_giang=bac_giang,
        bac_ninh=bac_ninh,
        commune=commune,
        province_organiser=people[0],
        giang_organiser=people[1],
        ninh_organiser=people[2],
        held_before=held(bac_giang, 30, 3),
        held_after=held(bac_giang, 5, 1),
        ninh_held=held(bac_ninh, 20, 2),
        commune_held=held(commune, 25, 4),
        giang_standing=giang_standing,
        ninh_standing=ninh_standing,
    )


def merge(world: Province) -> AgencyChange:
    with time_machine.travel(MERGED_AT, tick=False):
        return services.merge_agencies(
            actor=world.province_organiser, agency=world.bac_giang, into=world.bac_ninh
        )


def report_of(agency: Agency):  # type: ignore[no-untyped-def]
    start, end = period_bounds(START, END)
    return agency_report(agency, start=start, end=end)


def merged_label() -> str:
    """The merged agency's row, as the record says it: in Vietnamese."""
    return f"{BAC_GIANG} (hợp nhất vào {BAC_NINH} ngày {MERGED_AT.astimezone(VN):%d/%m/%Y})"


# --- Who may ------------------------------------------------------------------------------------


def test_a_merge_takes_an_organiser_of_both_agencies(world: Province) -> None:
    for alone in (world.giang_organiser, world.ninh_organiser, UserFactory()):
        with pytest.raises(NotAllowed):
            services.merge_agencies(actor=alone, agency=world.bac_giang, into=world.bac_ninh)
    assert not AgencyChange.objects.exists()
    assert Event.objects.filter(agency=world.bac_giang).count() == 3  # two held, the standing
    both = world.giang_organiser
    AgencyMembershipFactory(agency=world.bac_ninh, user=both)
    services.merge_agencies(actor=both, agency=world.bac_giang, into=world.bac_ninh)
    assert Agency.objects.get(pk=world.bac_giang.pk).merged_into == world.bac_ninh


def test_the_policy_table_states_who_may_change_an_agency() -> None:
    from pathlib import Path

    policy = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    section = policy.split("## Agency changes", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2].strip()
        for line in section.splitlines()
        if line.startswith("| `")
    }
    assert set(rows) == {"rename_agency", "move_agency", "merge_agencies"}
    # The predicates the services use are the ones the table names.
    assert "can_rename_agency" in rows["rename_agency"]
    assert "can_move_agency" in rows["move_agency"]
    assert "can_merge_agencies" in rows["merge_agencies"]


def test_a_merge_into_its_own_sub_agency_or_of_a_merged_agency_is_refused(
    world: Province,
) -> None:
    organiser = world.province_organiser
    with pytest.raises(InvalidMessage) as below:
        services.merge_agencies(actor=organiser, agency=world.bac_giang, into=world.commune)
    assert below.value.code == "invalid_merge"
    with pytest.raises(InvalidMessage):
        services.merge_agencies(actor=organiser, agency=world.bac_giang, into=world.bac_giang)
    merge(world)
    with pytest.raises(InvalidMessage) as again:
        services.merge_agencies(
            actor=organiser, agency=Agency.objects.get(pk=world.bac_giang.pk), into=world.province
        )
    assert again.value.code == "agency_merged"
    assert AgencyChange.objects.count() == 1


# --- What moves ---------------------------------------------------------------------------------


def test_a_merge_moves_the_dialogues_the_standing_qa_the_roles_and_the_sub_agencies(
    world: Province,
) -> None:
    both = UserFactory()
    AgencyMembershipFactory(agency=world.bac_giang, user=both)
    AgencyMembershipFactory(agency=world.bac_ninh, user=both)
    invitation = Invitation.objects.create(
        agency=world.bac_giang,
        email="moi@example.org",
        role=Invitation.Role.ORGANISER,
        token_hash="x" * 64,
        expires_at=NOW + timedelta(days=7),
    )
    merge(world)
    ninh = world.bac_ninh
    assert set(Event.objects.filter(agency=ninh).values_list("pk", flat=True)) == {
        world.held_before.pk,
        world.held_after.pk,
        world.ninh_held.pk,
        world.giang_standing.pk,
        world.ninh_standing.pk,
    }
    # The successor had its own standing Q&A: the merged one is archived, closed to questions.
    giang_standing = Event.objects.get(pk=world.giang_standing.pk)
    assert giang_standing.status == Event.Status.ARCHIVED
    assert giang_standing.intake_closed
    assert selectors.standing_qa(agency=ninh) == world.ninh_standing
    # Roles: the merged agency's organisers are the successor's, each once.
    assert not AgencyMembership.objects.filter(agency=world.bac_giang).exists()
    assert AgencyMembership.objects.filter(agency=ninh, user=world.giang_organiser).exists()
    assert AgencyMembership.objects.filter(agency=ninh, user=both).count() == 1
    assert permissions.is_organiser(world.giang_organiser, ninh)
    assert permissions.can_manage_event(world.giang_organiser, world.ninh_held)
    assert Invitation.objects.get(pk=invitation.pk).agency == ninh
    assert Agency.objects.get(pk=world.commune.pk).parent == ninh
    # Whoever looks after the successor looks after what the merged agency left.
    merged = Agency.objects.get(pk=world.bac_giang.pk)
    assert permissions.is_organiser(world.ninh_organiser, merged)


def test_the_merge_is_recorded_with_who_when_and_before_and_after(world: Province) -> None:
    change = merge(world)
    assert change.kind == AgencyChange.Kind.MERGE
    assert change.actor == world.province_organiser
    assert change.at == MERGED_AT
    assert change.agency == world.bac_giang
    assert change.into == world.bac_ninh
    assert change.before["agency"]["name"] == BAC_GIANG
    assert change.before["into"]["slug"] == "so-tu-phap-bac-ninh"
    assert change.after["dialogues"] == 3
    assert change.after["organisers"] == [world.giang_organiser.pk]
    assert change.after["sub_agencies"] == [{"id": world.commune.pk, "name": "UBND xã An Bình"}]
    assert set(change.moved_events.values_list("pk", flat=True)) == {
        world.held_before.pk,
        world.held_after.pk,
        world.giang_standing.pk,
    }
    # Shown on the successor's staff page, and on its changes page.
    client = staff_client(world.ninh_organiser)
    for name in ("events:manage:agency", "events:manage:agency_change"):
        page = client.get(reverse(name, args=[world.bac_ninh.slug])).content.decode()
        assert "agency-changes" in page
        assert change.summary in page


def test_a_refused_merge_records_nothing(world: Province) -> None:
    with pytest.raises(NotAllowed):
        services.merge_agencies(
            actor=world.giang_organiser, agency=world.bac_giang, into=world.bac_ninh
        )
    assert not AgencyChange.objects.exists()


# --- Old links ----------------------------------------------------------------------------------


def test_old_links_of_the_merged_agency_lead_to_its_successor(world: Province) -> None:
    merge(world)
    client = staff_client(world.giang_organiser)
    cases = [
        ("events:agency", [], "/a/so-tu-phap-bac-ninh/"),
        ("events:manage:agency", [], "/manage/so-tu-phap-bac-ninh/"),
        ("reports:agency", [], "/reports/a/so-tu-phap-bac-ninh/"),
        ("reports:public_statistics", [], "/a/so-tu-phap-bac-ninh/statistics/"),
    ]
    for name, args, target in cases:
        response = client.get(reverse(name, args=["so-tu-phap-bac-giang", *args]) + "?start=x")
        assert response.status_code == 301, name
        assert response["Location"] == f"{target}?start=x"
    # A form posted to the old link does nothing to either agency.
    before = Event.objects.count()
    response = client.post(
        reverse("events:manage:open_standing_qa", args=["so-tu-phap-bac-giang"]),
        {"answer_days": "5"},
    )
    assert response.status_code == 404
    assert Event.objects.count() == before


def test_a_renamed_agency_keeps_its_old_links_and_its_old_short_name(world: Province) -> None:
    renamed = services.rename_agency(
        actor=world.ninh_organiser,
        agency=world.bac_ninh,
        name="Sở Tư pháp tỉnh Bắc Ninh (mới)",
        slug="stp-bac-ninh",
    )
    assert renamed.slug == "stp-bac-ninh"
    assert AgencySlug.objects.get(slug="so-tu-phap-bac-ninh").agency == renamed
    response = Client().get("/a/so-tu-phap-bac-ninh/")
    assert response.status_code == 301
    assert response["Location"] == "/a/stp-bac-ninh/"
    change = AgencyChange.objects.get(kind=AgencyChange.Kind.RENAME)
    assert change.before["name"] == BAC_NINH
    assert change.after["slug"] == "stp-bac-ninh"
    # Nobody else may take a short name an agency had: its old links would lead astray.
    with pytest.raises(InvalidMessage) as taken:
        services.rename_agency(
            actor=world.giang_organiser,
            agency=world.bac_giang,
            name=BAC_GIANG,
            slug="so-tu-phap-bac-ninh",
        )
    assert taken.value.code == "slug_taken"


def test_a_merged_agency_s_former_short_name_leads_to_the_end_of_the_chain(
    world: Province,
) -> None:
    merge(world)
    services.rename_agency(
        actor=world.ninh_organiser, agency=world.bac_ninh, name=BAC_NINH, slug="stp-bn"
    )
    assert selectors.current_agency_slug("so-tu-phap-bac-giang") == "stp-bn"
    assert selectors.current_agency_slug("so-tu-phap-bac-ninh") == "stp-bn"
    assert selectors.current_agency_slug("nobody") is None


# --- Moving -------------------------------------------------------------------------------------


def test_moving_takes_organisers_of_the_old_parent_and_of_the_new_one(world: Province) -> None:
    with pytest.raises(NotAllowed):  # organiser of the new parent only
        services.move_agency(
            actor=world.ninh_organiser, agency=world.commune, parent=world.bac_ninh
        )
    with pytest.raises(NotAllowed):  # a top-level agency is the site admin's to move
        services.move_agency(
            actor=world.province_organiser, agency=world.province, parent=world.bac_ninh
        )
    with pytest.raises(InvalidMessage) as cycle:
        services.move_agency(
            actor=world.province_organiser, agency=world.bac_giang, parent=world.commune
        )
    assert cycle.value.code == "invalid_parent"
    moved = services.move_agency(
        actor=world.province_organiser, agency=world.commune, parent=world.bac_ninh
    )
    assert moved.parent == world.bac_ninh
    assert not permissions.is_organiser(world.giang_organiser, moved)
    change = AgencyChange.objects.get(kind=AgencyChange.Kind.MOVE)
    assert change.before["parent"]["name"] == BAC_GIANG
    assert change.after["parent"]["name"] == BAC_NINH


def test_the_change_page_merges_through_its_form(world: Province) -> None:
    client = staff_client(world.province_organiser)
    page = client.get(reverse("events:manage:agency_change", args=[world.bac_giang.slug]))
    assert page.status_code == 200
    unconfirmed = client.post(
        reverse("events:manage:merge_agency", args=[world.bac_giang.slug]),
        {"into": world.bac_ninh.pk},
    )
    assert unconfirmed.status_code == 400
    assert not AgencyChange.objects.exists()
    done = client.post(
        reverse("events:manage:merge_agency", args=[world.bac_giang.slug]),
        {"into": world.bac_ninh.pk, "confirm": "on"},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("events:manage:agency_change", args=[world.bac_ninh.slug])
    assert AgencyChange.objects.get().actor == world.province_organiser


def test_the_merge_form_offers_only_agencies_the_person_organises(world: Province) -> None:
    client = staff_client(world.giang_organiser)
    response = client.post(
        reverse("events:manage:merge_agency", args=[world.bac_giang.slug]),
        {"into": world.bac_ninh.pk, "confirm": "on"},
    )
    assert response.status_code == 400
    assert not AgencyChange.objects.exists()


# --- Reports across the merge -------------------------------------------------------------------


def test_a_report_spanning_the_merge_shows_both_agencies_labelled(world: Province) -> None:
    merge(world)
    report = report_of(world.bac_ninh)
    rows = {row.label: row for row in report.by_agency}
    assert list(rows) == [BAC_NINH, merged_label(), "UBND xã An Bình"]
    # Held by Bắc Giang before the merge; held by Bắc Ninh after it, though scheduled by Bắc Giang.
    assert (rows[merged_label()].dialogues, rows[merged_label()].received) == (1, 3)
    assert (rows[BAC_NINH].dialogues, rows[BAC_NINH].received) == (2, 3)
    assert rows["UBND xã An Bình"].received == 4
    assert report.total.dialogues == 4
    assert report.total.received == sum(row.received for row in report.by_agency) == 10
    standing = {row.label: row.received for row in report.standing_by_agency}
    assert standing == {BAC_NINH: 1, merged_label(): 3}
    assert report.standing is not None
    assert report.standing.received == 4


def test_the_province_report_counts_each_dialogue_once_after_the_merge(world: Province) -> None:
    before = report_of(world.province)
    merge(world)
    after = report_of(world.province)
    assert after.total.received == before.total.received == 10
    assert after.total.dialogues == before.total.dialogues == 4
    assert [row.label for row in after.by_agency] == [
        "UBND tỉnh Bắc Ninh",
        BAC_NINH,
        merged_label(),
        "UBND xã An Bình",
    ]


def test_a_report_spanning_a_rename_names_the_agency_as_it_was(world: Province) -> None:
    with time_machine.travel(MERGED_AT, tick=False):
        services.rename_agency(
            actor=world.ninh_organiser, agency=world.bac_ninh, name="Sở Tư pháp Bắc Ninh mới"
        )
    labels = [row.label for row in report_of(Agency.objects.get(pk=world.bac_ninh.pk)).by_agency]
    until = MERGED_AT.astimezone(VN).strftime("%d/%m/%Y")
    assert labels[0] == f"Sở Tư pháp Bắc Ninh mới (tên cũ “{BAC_NINH}” đến ngày {until})"


def test_an_issued_report_never_changes_with_a_merge_and_is_listed_by_the_successor(
    world: Province,
) -> None:
    with time_machine.travel(MERGED_AT - timedelta(days=1), tick=False):
        issued = issue_agency_report(
            actor=world.giang_organiser,
            agency=world.bac_giang,
            start=START,
            end=(MERGED_AT - timedelta(days=1)).astimezone(VN).date(),
            signer_name="Nguyễn Văn An",
            signer_title="Giám đốc",
        )
    row = dict(IssuedReport.objects.values().get(pk=issued.pk))
    stored = {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}
    merge(world)
    row = dict(IssuedReport.objects.values().get(pk=issued.pk))
    assert {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()} == stored
    assert stored["figures"]["agency"]["name"] == BAC_GIANG
    client = staff_client(world.ninh_organiser)
    listing = client.get(reverse("reports:issued_list", args=[world.bac_ninh.slug]))
    assert issued.number in listing.content.decode()
    old = client.get(reverse("reports:issued", args=["so-tu-phap-bac-giang", issued.pk]))
    assert old.status_code == 301
    assert old["Location"] == reverse("reports:issued", args=[world.bac_ninh.slug, issued.pk])
    assert client.get(old["Location"]).status_code == 200
    # The successor may correct what it took over; the correction is its own issue.
    correction = issue_agency_report(
        actor=world.ninh_organiser,
        agency=world.bac_ninh,
        start=START,
        end=timezone.localdate(),
        signer_name="Trần Thị Bình",
        signer_title="Giám đốc",
        corrects=issued,
    )
    assert correction.agency == world.bac_ninh
    assert correction.corrects == issued


def test_every_route_with_an_agency_s_short_name_follows_the_agency() -> None:
    """A route whose path names an agency by its short name is redirected when it changes."""
    import re

    from config import access, moved

    agency_path = re.compile(r"(^|/)(a|manage|agency|agencies)/<slug(:slug)?>")
    routes = {route.key: route.route for route in access.url_routes()}
    with_agency = {key for key, route in routes.items() if agency_path.search(route)}
    assert with_agency == set(moved.AGENCY_ROUTES)
