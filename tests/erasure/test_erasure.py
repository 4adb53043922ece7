"""Erasure leaves nothing that names the asker or repeats their words, and changes no count."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consultation.models import Comment
from dialogue.models import (
    AnswerRating,
    Participant,
    Poll,
    PollAnswer,
    PublicDelta,
    Question,
    Vote,
)
from erasure.services import erase_participant
from events.models import Agency, Event
from live.errors import NotAllowed
from live.ordering import Sequence
from moderation import services
from moderation.lifecycle import change_status
from moderation.models import ModerationLog
from reports.models import ExportJob
from reports.selectors import agency_report, dialogue_report
from tests.dialogue.test_asker import ask, follow_link, joined
from tests.factories import ParticipantFactory, PollFactory, QuestionFactory

NICKNAME = "Chị Lan Erasable"
EMAIL = "lan.erasable@example.vn"
WORDS = ("Câu hỏi riêng số một", "Câu hỏi riêng số hai", "Câu hỏi riêng số ba")


def figures(event: Event) -> dict[str, object]:
    report = dialogue_report(event)
    period = agency_report(
        Agency.objects.get(pk=event.agency_id),
        start=timezone.now() - timedelta(days=30),
        end=timezone.now() + timedelta(days=30),
    )
    counted = {
        name: getattr(report, name)
        for name in (
            "participants",
            "received",
            "approved",
            "rejected",
            "merged",
            "answered_live",
            "answered_written",
            "overdue",
            "votes",
        )
    }
    return {**counted, "agency": period.total.__dict__.copy()}


def everything_stored(event: Event) -> str:
    """Every row that could keep a person's words or name, as text."""
    rows: list[object] = []
    rows += list(Question.objects.values())
    rows += list(Participant.objects.values("nickname", "email"))
    rows += list(PublicDelta.objects.values_list("frame", flat=True))
    rows += list(ModerationLog.objects.values("before", "after"))
    rows += list(AnswerRating.objects.values("comment"))
    rows += list(DBTaskResult.objects.values("args_kwargs"))
    rows += list(Comment.objects.values("text", "quote", "wording"))
    rows += list(PollAnswer.objects.values("text", "phrase"))
    return json.dumps(rows, ensure_ascii=False, default=str)


@pytest.fixture
def asked(live_event, moderator, official):
    """An asker with three questions: answered live, published and routed, pending."""
    lan = joined(live_event, nickname=NICKNAME, email=EMAIL)
    for words in WORDS:
        ask(lan, live_event, words)
    answered, published, pending = Question.objects.order_by("pk")
    for question in (answered, published):
        services.approve_question(
            actor=moderator, event=live_event, question_id=question.pk, version=None
        )
    services.route_question(
        actor=moderator,
        event=live_event,
        question_id=published.pk,
        version=None,
        official_id=official.pk,
    )
    services.set_stage(
        actor=moderator, event=live_event, question_id=answered.pk, version=None, stage="answered"
    )
    participant = Participant.objects.get(nickname=NICKNAME)
    AnswerRating.objects.create(
        answer=answered.answer, participant=participant, score=5, comment="Cảm ơn, rất rõ"
    )
    Vote.objects.create(participant=ParticipantFactory(event=live_event), question=published)
    return lan, participant, (answered, published, pending)


def test_erasing_leaves_tombstones_that_keep_every_count(
    asked,
    live_event,
    sent,
    django_capture_on_commit_callbacks,
):
    lan, participant, (answered, published, pending) = asked
    before = figures(live_event)
    link = follow_link(lan, live_event)
    sent.clear()

    unconfirmed = lan.post(link + "erase/")
    assert unconfirmed.status_code == 302
    assert Question.objects.filter(erased_at__isnull=False).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = lan.post(link + "erase/", {"confirm": "yes"})
    assert response.status_code == 302
    assert figures(live_event) == before
    assert Question.objects.count() == 3
    for question in Question.objects.all():
        assert (question.text, question.original_text, question.is_anonymous) == ("", "", True)
        assert question.erased_at is not None
    answered.refresh_from_db()
    assert (answered.status, answered.answered_how) == ("answered", "live")
    participant.refresh_from_db()
    assert (participant.nickname, participant.email) == ("", "")
    assert participant.erased_at is not None
    rating = AnswerRating.objects.get()
    assert (rating.score, rating.comment) == (5, "")
    stored = everything_stored(live_event)
    for secret in (NICKNAME, EMAIL, *WORDS, "Cảm ơn, rất rõ"):
        assert secret not in stored

    # Every open page drops the public ones; every console drops all three, live.
    withdrawn = sorted(f["question_id"] for _g, f in sent if f.get("type") == "question.withdrawn")
    assert withdrawn == sorted([answered.pk, published.pk])
    removed = sorted(f["question_id"] for _g, f in sent if f.get("type") == "mod.removed")
    assert removed == sorted([answered.pk, published.pk, pending.pk])
    assert [f["question_id"] for _g, f in sent if f.get("type") == "official.removed"] == [
        published.pk
    ]
    assert not [f for _g, f in sent if f.get("type") == "question.published"]
    redactions = [m for _g, m in sent if m.get("action") == "redact"]
    assert len(redactions) == 1
    assert all(NICKNAME not in text for text in redactions[0]["deltas"].values())
    closes = [group for group, f in sent if f.get("action") == "close"]
    assert closes == [f"participant.{participant.pk}"]

    # The link shows nothing any more, and no page shows the words.
    assert lan.get(link).status_code == 404
    for page in ("", "archive/"):
        body = lan.get(live_event.get_absolute_url() + page).content.decode()
        assert all(words not in body for words in WORDS)


def test_a_short_text_poll_answer_stays_counted_without_its_words(asked, live_event):
    _lan, participant, _questions = asked
    poll = PollFactory(event=live_event, kind=Poll.Kind.TEXT)
    PollAnswer.objects.create(
        poll=poll, participant=participant, text="Chị Lan ở Từ Sơn", phrase="chị lan ở từ sơn"
    )
    other = PollAnswer.objects.create(
        poll=poll,
        participant=ParticipantFactory(event=live_event),
        text="Rõ ràng",
        phrase="rõ ràng",
    )

    erase_participant(participant=participant, session=None)

    assert PollAnswer.objects.filter(poll=poll).count() == 2
    erased = PollAnswer.objects.get(participant=participant)
    assert (erased.text, erased.phrase) == ("", "")
    other.refresh_from_db()
    assert other.text == "Rõ ràng"


def test_an_erased_asker_leaves_the_moderator_snapshot(asked, live_event, moderator):
    from moderation.selectors import moderator_snapshot

    _lan, participant, _questions = asked
    erase_participant(participant=participant, session=None)
    text = json.dumps(moderator_snapshot(live_event), ensure_ascii=False)
    assert NICKNAME not in text
    assert all(words not in text for words in WORDS)


def test_a_hub_rewrites_its_memory_of_a_redacted_delta():
    sequence = Sequence()
    sequence.start_at(0)
    sequence.offer(1, '{"seq":1,"question":{"text":"lời riêng"}}')
    sequence.offer(2, '{"seq":2}')
    sequence.redact({1: '{"seq":1,"type":"question.withdrawn"}'})
    assert sequence.since(0) == ['{"seq":1,"type":"question.withdrawn"}', '{"seq":2}']


def test_email_not_yet_sent_to_the_asker_is_not_sent(
    live_event,
    moderator,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    asker = ParticipantFactory(event=live_event, nickname=NICKNAME, email=EMAIL)
    question = QuestionFactory(event=live_event, author=asker, text=WORDS[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.set_stage(
            actor=moderator,
            event=live_event,
            question_id=question.pk,
            version=None,
            stage="answered",
        )
    assert DBTaskResult.objects.count() == 1
    erase_participant(participant=asker, session=None)
    assert run_tasks() == 0
    assert mail.outbox == []
    assert EMAIL not in everything_stored(live_event)


def test_exports_already_made_of_the_dialogue_are_deleted(asked, live_event, moderator):
    _lan, participant, _questions = asked
    ExportJob.objects.create(
        requester=moderator, event=live_event, format="csv", content=NICKNAME.encode()
    )
    erase_participant(participant=participant, session=None)
    assert not ExportJob.objects.exists()


def test_an_account_participant_cannot_be_erased_through_a_link(live_event, citizen):
    participant = ParticipantFactory(event=live_event, user=citizen, nickname="")
    with pytest.raises(NotAllowed):
        erase_participant(participant=participant, session=None)


def test_a_question_others_were_merged_into_keeps_them(live_event, moderator):
    lan = joined(live_event, nickname=NICKNAME)
    ask(lan, live_event, WORDS[0])
    target = Question.objects.get()
    services.approve_question(
        actor=moderator, event=live_event, question_id=target.pk, version=None
    )
    other = QuestionFactory(event=live_event, text="Tách thửa đất nông nghiệp thế nào?")
    services.merge_questions(
        actor=moderator,
        event=live_event,
        question_id=target.pk,
        version=None,
        sources=[(other.pk, None)],
    )
    erased = erase_participant(participant=Participant.objects.get(nickname=NICKNAME), session=None)
    assert erased.questions == 1
    other.refresh_from_db()
    assert other.merged_into_id == target.pk
    assert other.text == "Tách thửa đất nông nghiệp thế nào?"


def test_erasure_after_the_dialogue_ended_changes_no_figure_of_its_report(
    asked,
    live_event,
    moderator,
):
    _lan, participant, _questions = asked
    change_status(actor=moderator, event=live_event, status=Event.Status.ENDED)
    before = figures(live_event)
    assert before["received"] == 3
    erase_participant(participant=participant, session=None)
    assert figures(live_event) == before


def test_an_issued_report_reads_the_same_before_and_after_an_erasure(
    asked, live_event, moderator, organiser
):
    from reports.models import IssuedReport
    from reports.services import issue_agency_report
    from tests.factories import enable_totp

    _lan, participant, _questions = asked
    change_status(actor=moderator, event=live_event, status=Event.Status.ENDED)
    today = timezone.localdate()
    issued = issue_agency_report(
        actor=organiser,
        agency=live_event.agency,
        start=today - timedelta(days=30),
        end=today + timedelta(days=30),
        signer_name="Nguyễn Văn An",
        signer_title="Giám đốc",
    )
    enable_totp(organiser)
    browser = Client()
    browser.force_login(organiser)
    page = reverse("reports:issued", args=[live_event.agency.slug, issued.pk])
    pdf = reverse("reports:issued_pdf", args=[live_event.agency.slug, issued.pk])

    def read() -> tuple[object, bytes, object]:
        response = browser.get(page)
        assert response.status_code == 200
        stored = IssuedReport.objects.get(pk=issued.pk)
        return stored.figures, browser.get(pdf).getvalue(), response.context["report"].total

    before = read()
    live_before = figures(live_event)
    erase_participant(participant=participant, session=None)
    assert read() == before
    assert figures(live_event) == live_before
