"""More time for a written answer: once, by the official who has the question, with a reason the
asker is shown and emailed; audited, counted in the report, erased with the asker's data."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue import services as dialogue_services
from dialogue.models import Question
from dialogue.selectors import follow_token
from erasure.services import erase_participant
from events.models import AgencyMembership, Event, User
from events.workdays import add_working_days
from live.errors import Conflict, InvalidMessage, NotAllowed
from moderation import services as moderation_services
from moderation.models import ModerationLog
from reports import selectors as report_selectors
from tests.factories import ParticipantFactory, UserFactory, enable_totp
from tests.mailservers import delivered_mail

pytestmark = pytest.mark.django_db

REASON = "Cần xin ý kiến của Sở Tài nguyên và Môi trường về nguồn gốc thửa đất."


@pytest.fixture
def people(standing: Event) -> dict[str, User]:
    found = {}
    for role, field in (("moderator", ""), ("official", "land"), ("other official", "land")):
        user = UserFactory()
        AgencyMembership.objects.create(
            agency=standing.agency, user=user, role=role.split()[-1], legal_field=field
        )
        enable_totp(user)
        found[role] = user
    return found


@pytest.fixture
def owed(standing: Event, people: dict[str, User]) -> Question:
    asker = ParticipantFactory(event=standing, nickname="Chị Lan", email="lan@example.vn")
    question = dialogue_services.ask_question(
        participant=asker,
        text="Đất khai hoang từ năm 1990 có được cấp sổ đỏ không?",
        client_id=uuid.uuid4(),
        legal_field="land",
    )
    question = moderation_services.approve_question(
        actor=people["moderator"], event=standing, question_id=question.pk, version=question.version
    )
    assert question.routed_to == people["official"]
    return question


def extend(actor: User, question: Question, days: int = 5, reason: str = REASON) -> Question:
    return moderation_services.extend_due(
        actor=actor,
        event=question.event,
        question_id=question.pk,
        version=None,
        days=days,
        reason=reason,
    )


def test_the_official_extends_once_with_a_reason_audited_and_the_asker_is_emailed(
    owed, people, django_capture_on_commit_callbacks
):
    due = owed.answer_due_at
    assert due is not None
    with django_capture_on_commit_callbacks(execute=True):
        extended = extend(people["official"], owed)

    assert extended.answer_due_at == add_working_days(due, 5)
    assert extended.due_extension_reason == REASON
    assert extended.due_extended_at is not None
    entry = ModerationLog.objects.filter(question=owed, action="extend").get()
    assert entry.actor == people["official"]
    assert (entry.after["days"], entry.after["extension_reason"]) == (5, REASON)
    assert datetime.fromisoformat(entry.before["due"]) == due
    mail = [m for m in delivered_mail() if m.to == ["lan@example.vn"]][-1]
    assert REASON in mail.body
    assert owed.grouped_tracking_code in mail.body

    with pytest.raises(Conflict) as twice:
        extend(people["official"], Question.objects.get(pk=owed.pk))
    assert twice.value.code == "already_extended"
    assert Question.objects.get(pk=owed.pk).answer_due_at == extended.answer_due_at


def test_only_the_official_who_has_it_extends_and_bad_input_changes_nothing(
    owed, people, qa_organiser
):
    before = Question.objects.filter(pk=owed.pk).values().get()
    for who in (people["moderator"], people["other official"], qa_organiser):
        with pytest.raises(NotAllowed):
            extend(who, owed)
    for days, reason, code in (
        (0, REASON, "invalid_days"),
        (11, REASON, "invalid_days"),
        (5, "   ", "invalid_text"),
        (5, "x" * 301, "too_long"),
    ):
        with pytest.raises(InvalidMessage) as refused:
            extend(people["official"], owed, days=days, reason=reason)
        assert refused.value.code == code
    assert Question.objects.filter(pk=owed.pk).values().get() == before
    assert not ModerationLog.objects.filter(action="extend").exists()


def test_an_answered_question_is_given_no_more_time(owed, people):
    moderation_services.write_answer(
        actor=people["official"],
        event=owed.event,
        question_id=owed.pk,
        body="Theo Điều 137 Luật Đất đai 2024…",
        publish=True,
    )
    with pytest.raises(InvalidMessage) as refused:
        extend(people["official"], owed)
    assert refused.value.code == "invalid_state"


def test_the_due_page_form_extends_and_the_asker_s_pages_and_the_report_show_it(
    owed, people, qa_organiser
):
    client = Client()
    client.force_login(people["official"])
    page = reverse("moderation:due", args=[owed.event.slug])
    form = client.get(page).content.decode()
    assert reverse("moderation:extend_due", args=[owed.event.slug, owed.pk]) in form

    response = client.post(
        reverse("moderation:extend_due", args=[owed.event.slug, owed.pk]),
        {"days": "3", "reason": REASON, "version": str(owed.version)},
    )

    assert response.status_code == 302
    assert REASON in client.get(page).content.decode()
    asker = owed.author
    mine = Client().get(reverse("dialogue:mine", args=[owed.event.slug, follow_token(asker)]))
    assert REASON in mine.content.decode()
    found = Client().post(
        reverse("dialogue:lookup"),
        {"code": owed.tracking_code, "contact": "lan@example.vn"},
    )
    assert REASON in found.content.decode()
    year = timezone.localdate().year
    report = report_selectors.agency_report(
        owed.event.agency,
        start=datetime(year, 1, 1, tzinfo=timezone.get_current_timezone()),
        end=datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone()),
    )
    assert report.standing is not None
    assert (report.standing.due_in_writing, report.standing.extended) == (1, 1)
    # A second time from the form: refused with a message, nothing changes.
    again = client.post(
        reverse("moderation:extend_due", args=[owed.event.slug, owed.pk]),
        {"days": "3", "reason": "Lần nữa", "version": str(owed.version + 1)},
        follow=True,
    )
    assert "đã được gia hạn" in again.content.decode()
    assert Question.objects.get(pk=owed.pk).due_extension_reason == REASON


def test_erasing_the_asker_s_data_clears_the_reason(owed, people):
    extend(people["official"], owed)
    erase_participant(participant=owed.author, session=None)
    erased = Question.objects.get(pk=owed.pk)
    assert erased.due_extension_reason == ""
    assert erased.due_extended_at is not None  # still counted
