"""A standing Q&A's pages show only what applies to a service open all year and answered in
writing: no start or end times, no stage or stage link, no "next" / "answer now", no "End the
dialogue" and no "Copy this dialogue"; and the commands behind them are refused."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue import services as dialogue_services
from dialogue.models import Question
from events import services
from events.models import Event, EventRole, User
from live.errors import InvalidMessage
from moderation import lifecycle
from moderation import services as moderation_services
from tests.factories import (
    AgencyMembershipFactory,
    EventFactory,
    ParticipantFactory,
    UserFactory,
    enable_totp,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser() -> User:
    return AgencyMembershipFactory().user


@pytest.fixture
def standing(organiser: User) -> Event:
    agency = organiser.agency_memberships.get().agency
    return services.open_standing_qa(actor=organiser, agency=agency, answer_days=10)


@pytest.fixture
def dialogue(organiser: User) -> Event:
    return EventFactory(agency=organiser.agency_memberships.get().agency, slug="doi-thoai")


@pytest.fixture
def people(standing: Event, dialogue: Event) -> dict[str, User]:
    moderator, official = UserFactory(), UserFactory()
    for event in (standing, dialogue):
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        EventRole.objects.create(event=event, user=official, role=EventRole.Role.OFFICIAL)
    return {"moderator": moderator, "official": official}


def page_of(user: User, url: str) -> str:
    if not user.authenticator_set.exists():
        enable_totp(user)
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def asked_in(event: Event) -> Question:
    return dialogue_services.ask_question(
        participant=ParticipantFactory(event=event),
        text="Thủ tục sang tên sổ đỏ thế nào?",
        client_id=uuid.uuid4(),
        legal_field="land" if event.is_standing else "",
    )


def test_no_status_change_is_offered_or_allowed_and_it_is_not_copied(standing, dialogue, organiser):
    assert lifecycle.transitions_for(organiser, standing) == []
    assert [t.status for t in lifecycle.transitions_for(organiser, dialogue)] == ["ended"]
    with pytest.raises(InvalidMessage):
        lifecycle.change_status(actor=organiser, event=standing, status=Event.Status.ENDED)
    assert Event.objects.get(pk=standing.pk).status == Event.Status.LIVE
    with pytest.raises(InvalidMessage):
        services.clone_event(actor=organiser, event=standing)
    assert Event.objects.count() == 2

    def staff_page(event: Event) -> str:
        return page_of(
            organiser,
            reverse("events:manage:event", args=[event.agency.slug, event.slug]),
        )

    for text in ("Kết thúc cuộc đối thoại", "Sao chép cuộc đối thoại"):
        assert text in staff_page(dialogue), text
        assert text not in staff_page(standing), text


def test_the_moderation_console_has_no_stage_link_no_stage_column_and_no_stage_keys(
    standing, dialogue, people
):
    def console(event: Event) -> str:
        return page_of(people["moderator"], reverse("moderation:console", args=[event.slug]))

    live, always = console(dialogue), console(standing)
    assert 'id="stage-link"' in live
    assert 'id="stage-link"' not in always
    assert "data-standing" in always
    assert "data-standing" not in live
    assert 'data-column="stage" aria-labelledby="col-stage">' in live
    assert 'data-column="stage" aria-labelledby="col-stage" hidden>' in always
    assert "<dt>W</dt>" in live
    assert "<dt>W</dt>" not in always
    assert "Kết thúc cuộc đối thoại" in live
    assert "Kết thúc cuộc đối thoại" not in always


def test_the_official_console_offers_no_answer_on_stage(standing, dialogue, people):
    def desk(event: Event) -> str:
        return page_of(people["official"], reverse("moderation:official", args=[event.slug]))

    assert "data-standing" in desk(standing)
    assert "data-standing" not in desk(dialogue)


def test_next_now_and_answering_on_stage_are_refused_and_change_nothing(standing, people):
    question = asked_in(standing)
    moderator, official = people["moderator"], people["official"]
    common = {"actor": moderator, "event": standing, "question_id": question.pk, "version": None}
    moderation_services.approve_question(**common)
    moderation_services.route_question(**common, official_id=official.pk)
    before = Question.objects.get(pk=question.pk)
    for stage in ("next", "now", "answered"):
        with pytest.raises(InvalidMessage) as refused:
            moderation_services.set_stage(**common, stage=stage)
        assert refused.value.code == "no_stage"
    with pytest.raises(InvalidMessage):
        moderation_services.start_answering(actor=official, event=standing, question_id=question.pk)
    after = Question.objects.get(pk=question.pk)
    assert (after.stage, after.status, after.version) == (
        before.stage,
        before.status,
        before.version,
    )


def test_its_public_pages_show_no_start_or_end_time(standing, dialogue):
    client = Client()
    for event in (standing, dialogue):
        Event.objects.filter(pk=event.pk).update(status=Event.Status.LIVE)
    standing_times = f'datetime="{timezone.localtime(standing.starts_at):%Y-%m-%d}'
    for url in (standing.get_absolute_url(), reverse("dialogue:archive", args=[standing.slug])):
        assert standing_times not in client.get(url).content.decode(), url
    dialogue_page = client.get(dialogue.get_absolute_url()).content.decode()
    assert f'datetime="{timezone.localtime(dialogue.starts_at):%Y-%m-%d}' in dialogue_page
