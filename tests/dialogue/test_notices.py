"""The asker is told each step of their question's life once per channel: the step told again,
or the transition that told it run again, sends nothing more."""

from __future__ import annotations

import uuid

import pytest

from dialogue import services as dialogue_services
from dialogue.models import Notice, Question
from dialogue.notices import Message, Step, tell_asker
from events.models import Event
from moderation import services as moderation_services
from tests.factories import EventFactory, ParticipantFactory, UserFactory
from tests.mailservers import delivered_mail

pytestmark = pytest.mark.django_db


def asked(event: Event, email: str = "lan@example.vn") -> Question:
    return dialogue_services.ask_question(
        participant=ParticipantFactory(event=event, nickname="Chị Lan", email=email),
        text="Con riêng có được hưởng thừa kế không?",
        client_id=uuid.uuid4(),
        legal_field="civil" if event.is_standing else "",
    )


def moderator_of(event: Event):  # type: ignore[no-untyped-def]
    user = UserFactory()
    event.roles.create(user=user, role="moderator")
    return user


def test_a_step_told_again_is_sent_once_per_channel(standing, django_capture_on_commit_callbacks):
    question = asked(standing)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            tell_asker(question, Step.PUBLISHED, lambda: Message("Đã công bố", "…"))
    assert [m.subject for m in delivered_mail()].count("Đã công bố") == 1
    assert Notice.objects.filter(question=question, step="published").count() == 1
    # The worker running its queue again delivers nothing twice.
    assert [m.subject for m in delivered_mail()].count("Đã công bố") == 1


def test_not_selected_tells_the_reason_once_even_when_rejected_again(standing):
    question = asked(standing)
    moderator = moderator_of(standing)
    for _ in range(2):
        moderation_services.reject_question(
            actor=moderator,
            event=standing,
            question_id=question.pk,
            version=None,
            reason="personal_case",
            note="Xin liên hệ Bộ phận một cửa.",
        )
        moderation_services.approve_question(
            actor=moderator, event=standing, question_id=question.pk, version=None
        )
    told = [m for m in delivered_mail() if "không được chọn" in m.subject]
    assert len(told) == 1
    assert "Xin liên hệ Bộ phận một cửa." in told[0].body
    steps = Notice.objects.filter(question=question).values_list("step", flat=True)
    assert sorted(steps) == ["not_selected", "published", "received"]


def test_a_live_dialogue_s_asker_is_told_the_answer_only_and_no_address_means_no_notice(
    standing,
):
    dialogue = EventFactory(moderation_mode=Event.Moderation.PRE)
    question = asked(dialogue)
    moderation_services.approve_question(
        actor=moderator_of(dialogue), event=dialogue, question_id=question.pk, version=None
    )
    assert delivered_mail() == []
    assert not Notice.objects.exists()
    silent = asked(standing, email="")
    moderation_services.approve_question(
        actor=moderator_of(standing), event=standing, question_id=silent.pk, version=None
    )
    assert delivered_mail() == []
    assert not Notice.objects.filter(question=silent).exists()
