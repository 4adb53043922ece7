"""The agency's own moderators and officials serve its standing legal Q&A with no invitation to
it; a published question of a legal field is routed to the agency's official of that field."""

from __future__ import annotations

import re
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from dialogue import services as dialogue_services
from dialogue.models import Question
from events import permissions, services
from events import selectors as event_selectors
from events.models import Agency, AgencyMembership, Event, User
from live.errors import NotFound
from moderation import services as moderation_services
from moderation.models import ModerationLog
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    EventFactory,
    ParticipantFactory,
    UserFactory,
    enable_totp,
    verify_email,
)
from tests.mailservers import delivered_mail
from tests.moderation.test_consumers import console

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency(qa_organiser: User) -> Agency:
    return qa_organiser.agency_memberships.get().agency


def staff(agency: Agency, role: str, legal_field: str = "", title: str = "") -> User:
    user = UserFactory()
    AgencyMembership.objects.create(
        agency=agency, user=user, role=role, legal_field=legal_field, title=title
    )
    enable_totp(user)
    return user


def asked(event: Event, legal_field: str = "land") -> Question:
    return dialogue_services.ask_question(
        participant=ParticipantFactory(event=event),
        text="Thủ tục sang tên sổ đỏ thế nào?",
        client_id=uuid.uuid4(),
        legal_field=legal_field,
    )


def approve(actor: User, event: Event, question: Question) -> Question:
    return moderation_services.approve_question(
        actor=actor, event=event, question_id=question.pk, version=question.version
    )


def test_an_invitation_with_no_dialogue_makes_the_agency_s_own_official_of_a_field(
    qa_organiser, agency, standing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_staff(
            inviter=qa_organiser,
            agency=agency,
            email="can.bo@example.org",
            role="official",
            title="Chuyên viên Phòng Phổ biến pháp luật",
            legal_field="land",
            site_url="http://testserver/",
        )
    body = delivered_mail()[-1].body
    assert agency.name in body
    token = re.search(r"/invitations/([\w-]+)/", body).group(1)  # type: ignore[union-attr]
    invitee = UserFactory(email="can.bo@example.org")
    verify_email(invitee)
    enable_totp(invitee)
    client = Client()
    client.force_login(invitee)

    response = client.post(reverse("events:invitation", args=[token]))

    assert response.status_code == 302
    assert response.url == reverse("moderation:official", args=[standing.slug])
    membership = AgencyMembership.objects.get(user=invitee)
    assert (membership.role, membership.legal_field, membership.title) == (
        "official",
        "land",
        "Chuyên viên Phòng Phổ biến pháp luật",
    )
    assert client.get(response.url).status_code == 200
    organiser_client = Client()
    enable_totp(qa_organiser)
    organiser_client.force_login(qa_organiser)
    page = organiser_client.get(reverse("events:manage:agency", args=[agency.slug]))
    assert "can.bo@example.org" in page.content.decode()


def test_agency_staff_serve_its_standing_qa_only(agency, standing):
    moderator = staff(agency, "moderator")
    official = staff(agency, "official")
    dialogue = EventFactory(agency=agency)
    below = AgencyFactory(parent=agency)
    below_standing = EventFactory(agency=below, kind=Event.Kind.STANDING)
    elsewhere = EventFactory(kind=Event.Kind.STANDING)

    assert permissions.can_moderate(moderator, standing)
    assert permissions.can_answer(official, standing)
    assert not permissions.can_answer(moderator, standing)
    assert not permissions.can_moderate(official, standing)
    for event in (dialogue, below_standing, elsewhere):
        assert not permissions.can_run(moderator, event), event
        assert not permissions.can_run(official, event), event
    moderated = set(moderation_services_moderated(moderator))
    assert moderated == {standing.pk}


def moderation_services_moderated(user: User) -> list[int]:
    from moderation import selectors

    return list(selectors.moderated_events(user).values_list("pk", flat=True))


def test_a_published_question_of_a_field_goes_to_that_field_s_official_with_the_least_waiting(
    agency, standing
):
    moderator = staff(agency, "moderator")
    first = staff(agency, "official", legal_field="land", title="Đất đai 1")
    second = staff(agency, "official", legal_field="land", title="Đất đai 2")
    family = staff(agency, "official", legal_field="family")
    anyone = staff(agency, "official")

    routed = [approve(moderator, standing, asked(standing)) for _ in range(3)]

    assert [q.routed_to for q in routed] == [first, second, first]
    assert all(q.answer_due_at is not None for q in routed)
    marriage = approve(moderator, standing, asked(standing, "family"))
    assert marriage.routed_to == family
    # A field no official has is left for a moderator to route by hand.
    unfielded = approve(moderator, standing, asked(standing, "tax"))
    assert unfielded.routed_to is None
    assert unfielded.answer_due_at is None
    actions = (
        ModerationLog.objects.filter(question=routed[0])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert list(actions) == [ModerationLog.Action.APPROVE, ModerationLog.Action.ROUTE]
    # By hand, to any of the agency's officials; not to someone who is not one.
    by_hand = moderation_services.route_question(
        actor=moderator,
        event=standing,
        question_id=unfielded.pk,
        version=unfielded.version,
        official_id=anyone.pk,
    )
    assert by_hand.routed_to == anyone
    with pytest.raises(NotFound):
        moderation_services.route_question(
            actor=moderator,
            event=standing,
            question_id=unfielded.pk,
            version=by_hand.version,
            official_id=moderator.pk,
        )
    officials = event_selectors.event_officials(event=standing)
    assert [o.user for o in officials] == [first, second, family, anyone]
    assert event_selectors.official_titles(events=[standing])[first.pk] == "Đất đai 1"


def test_a_dialogue_is_not_routed_by_field(agency):
    dialogue = EventFactory(agency=agency, moderation_mode=Event.Moderation.PRE)
    moderator = staff(agency, "moderator")
    staff(agency, "official", legal_field="land")
    dialogue.roles.create(user=moderator, role="moderator")
    question = asked(dialogue, "")
    question.topic = "Đất đai và nhà ở"
    question.save(update_fields=["topic"])
    assert approve(moderator, dialogue, question).routed_to is None


def test_someone_else_s_refusal_is_a_page_that_says_what_is_missing_and_whom_to_ask(
    agency, standing
):
    stranger = UserFactory()
    AgencyMembershipFactory(user=stranger)  # staff elsewhere: past the two-factor rule
    enable_totp(stranger)
    client = Client()
    client.force_login(stranger)
    for name in ("moderation:console", "moderation:official", "moderation:due"):
        response = client.get(reverse(name, args=[standing.slug]))
        assert response.status_code == 403
        page = response.content.decode()
        assert '<main id="main"' in page, name
        assert f"Hãy đề nghị người tổ chức của {agency.name} mời bạn" in page, name


@pytest.mark.django_db(transaction=True)
async def test_the_agency_s_moderator_opens_the_standing_qa_s_console_socket():
    membership = await sync_to_async(AgencyMembershipFactory)()
    agency = await sync_to_async(lambda: membership.agency)()
    standing = await sync_to_async(services.open_standing_qa)(
        actor=membership.user, agency=agency, answer_days=10
    )
    moderator = await sync_to_async(staff)(agency, "moderator")
    official = await sync_to_async(staff)(agency, "official", "land", "Chuyên viên")

    accepted, client, snapshot = await console(standing, moderator)

    assert accepted
    assert snapshot is not None
    assert snapshot["officials"] == [
        {"id": official.pk, "name": official.public_name, "title": "Chuyên viên"}
    ]
    await client.communicator.disconnect()
    assert (await console(standing, official))[0] is False
