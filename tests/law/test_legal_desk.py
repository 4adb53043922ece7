"""The legal desk in the consoles: an official sees the articles and clauses that may answer a
question and cites one with one command; a moderator sees the question's legal field; the
search learns from the citations of published answers."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dialogue.models import Citation, Question
from events.models import Event, User
from law.matching import Entry, Index, library_changed, rank_articles
from law.models import Article, LegalDocument
from live.errors import DomainError, NotAllowed
from moderation import commands, learning, messages, selectors, services
from moderation.services.citations import NotInForce
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

ASKED = "Bố tôi mất không để lại di chúc thì ai được hưởng di sản?"


@pytest.fixture
def routed(event: Event, official: User, library: None) -> Question:
    """An approved question routed to the official, with a draft answer."""
    question = QuestionFactory(event=event, text=ASKED, routed_to=official)
    services.write_answer(
        actor=official, event=event, question_id=question.pk, body="Theo pháp luật."
    )
    return question


def run(user: User, event: Event, frame: dict) -> dict:
    """One command of the official's socket, parsed as it arrives and run as the socket runs it,
    in a signed-in session of `user`."""
    client = Client()
    client.force_login(user)
    command = messages.parse_official_command(json.dumps({"id": "c1", **frame}))
    return commands.handle_official(user, event.pk, command, client.session.session_key)


def article(number: str) -> Article:
    return Article.objects.get(document__slug="bo-luat-dan-su-2015", number=number)


def test_the_official_is_offered_the_articles_and_clauses_that_answer_the_question(
    event, official, routed
):
    reply = run(official, event, {"type": "law", "question": routed.pk})
    assert reply["type"] == "official.law"
    found = {a["label"]: a for a in reply["articles"]}
    assert len(reply["articles"]) <= 5
    first = found["Điều 650"]
    assert first["url"] == "/law/bo-luat-dan-su-2015/dieu-650/"
    assert first["document"] == {
        "title": "Bộ luật Dân sự",
        "status": "in_force",
        "status_label": "Còn hiệu lực",
        "applies": True,
    }
    # Its first clause lists "Không có di chúc": the clause the question is about, quoted whole.
    clause = first["clauses"][0]
    assert clause["url"] == "/law/bo-luat-dan-su-2015/dieu-650/#khoan-1"
    assert "a) Không có di chúc;" in clause["text"]


def test_one_command_cites_a_clause_and_the_console_shows_its_words_link_and_status(
    event, official, routed
):
    heirs = article("651")
    clause = heirs.clauses.get(number="1")
    reply = run(
        official,
        event,
        {"type": "cite", "question": routed.pk, "article": heirs.pk, "clause": clause.pk},
    )
    [cited] = reply["questions"][0]["answer"]["citations"]
    assert cited["label"] == "Khoản 1, Điều 651"
    assert cited["url"] == "/law/bo-luat-dan-su-2015/dieu-651/#khoan-1"
    assert cited["quote"].startswith("1. Những người thừa kế theo pháp luật")
    assert cited["document"]["applies"] is True
    # The snapshot of the console shows it too; `uncite` takes it out.
    snapshot = commands.official_snapshot(official, event)
    assert snapshot["questions"][0]["answer"]["citations"] == [cited]
    reply = run(official, event, {"type": "uncite", "question": routed.pk, "citation": cited["id"]})
    assert reply["questions"][0]["answer"]["citations"] == []


def test_a_document_no_longer_in_force_is_refused_unless_cited_on_purpose_and_then_marked(
    event, official, routed
):
    LegalDocument.objects.filter(slug="bo-luat-dan-su-2015").update(
        status=LegalDocument.Status.REPLACED
    )
    frame = {"type": "cite", "question": routed.pk, "article": article("651").pk}
    with pytest.raises(NotInForce):
        run(official, event, frame)
    assert not Citation.objects.exists()
    reply = run(official, event, {**frame, "outdated_ok": True})
    [cited] = reply["questions"][0]["answer"]["citations"]
    assert cited["document"]["applies"] is False
    assert cited["document"]["status_label"] == "Đã bị thay thế"
    # The suggestions say it as well, so the official sees it before citing.
    suggested = run(official, event, {"type": "law", "question": routed.pk})["articles"]
    assert {a["document"]["applies"] for a in suggested if a["label"] == "Điều 651"} == {False}


def test_a_clause_or_article_that_does_not_exist_and_another_officials_question_are_refused(
    event, official, routed
):
    with pytest.raises(DomainError):
        run(official, event, {"type": "cite", "question": routed.pk, "article": 999_999})
    with pytest.raises(DomainError):
        run(
            official,
            event,
            {"type": "cite", "question": routed.pk, "article": article("651").pk, "clause": 9999},
        )
    other = UserFactory()
    from events.models import EventRole
    from tests.factories import EventRoleFactory

    EventRoleFactory(event=event, user=other, role=EventRole.Role.OFFICIAL)
    with pytest.raises(NotAllowed):
        run(other, event, {"type": "law", "question": routed.pk})
    with pytest.raises(NotAllowed):
        run(other, event, {"type": "cite", "question": routed.pk, "article": article("651").pk})
    assert not Citation.objects.exists()


def test_a_moderator_sees_the_legal_field_the_articles_that_answer_it_belong_to(event, library):
    inheritance = QuestionFactory(event=event, text=ASKED, status=Question.Status.PENDING)
    divorce = QuestionFactory(event=event, text="Vợ đang mang thai thì chồng có được ly hôn?")
    weather = QuestionFactory(event=event, text="Hôm nay trời có mưa không?")
    shown = {q["id"]: q["legal_field"] for q in selectors.moderator_snapshot(event)["questions"]}
    assert shown[inheritance.pk] == {"code": "civil", "label": "Dân sự"}
    assert shown[divorce.pk] == {"code": "family", "label": "Hôn nhân và gia đình"}
    assert shown[weather.pk] is None


def test_the_ranker_lifts_the_article_cited_for_a_question_worded_like_an_earlier_one():
    entries = [
        Entry(("a", "1"), "Luật A", "1", "Nơi cư trú", "Nơi thường xuyên sinh sống, đi làm ăn xa."),
        Entry(("a", "2"), "Luật A", "2", "Xóa đăng ký thường trú", "Vắng mặt liên tục 12 tháng."),
    ]
    asked = "Đi làm ăn xa lâu năm có bị mất hộ khẩu không?"
    learned = [entries[0], Entry(**{**entries[1].__dict__, "asked": asked})]
    question = "đi làm ăn xa nhiều năm có mất hộ khẩu không"
    assert Index(entries).search(question)[0].key == ("a", "1")
    assert Index(learned).search(question)[0].key == ("a", "2")
    # An unrelated question is not moved by it.
    other = "đăng ký thường trú ở đâu"
    assert Index(learned).search(other)[0].key == Index(entries).search(other)[0].key


def test_the_library_learns_from_published_answers_only_and_forgets_an_erased_question(
    event, official, routed
):
    residence = article("613")
    question = "Ông tôi mất để lại nhà, người con sinh sau khi ông mất có được hưởng không?"
    before = [m.article_id for m in rank_articles(question)]
    routed.text = question
    Question.objects.filter(pk=routed.pk).update(text=question)
    services.cite_law(actor=official, event=event, question_id=routed.pk, article=residence)
    # A draft teaches nothing.
    assert learning.accepted_citations() == {}
    services.write_answer(
        actor=official, event=event, question_id=routed.pk, body="Có.", publish=True
    )
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)
    assert learning.accepted_citations() == {residence.pk: [question]}
    library_changed()
    after = [m.article_id for m in rank_articles(question)]
    assert after[0] == residence.pk
    assert after != before
    from dialogue.models import Participant
    from moderation import record

    record.erase_words(participant=Participant.objects.get(pk=routed.author_id))
    assert learning.accepted_citations() == {}
