"""An answer cites the law clause by clause; the archive shows it and the article's page lists
the answered questions that cite it."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.test import Client

from dialogue.models import Citation, Question
from events.models import Event, User
from law.models import Article, LegalDocument
from live.errors import Conflict, InvalidMessage, NotAllowed
from moderation import services
from moderation.services.citations import NotInForce
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

ASKED = "Bố tôi mất không để lại di chúc thì ai được hưởng di sản?"


@pytest.fixture
def answered(event: Event, official: User, library: None) -> Question:
    """A question routed to the official, answered in writing and published, the event ended."""
    question = QuestionFactory(event=event, text=ASKED, routed_to=official)
    services.write_answer(
        actor=official,
        event=event,
        question_id=question.pk,
        body="Di sản được chia theo pháp luật, theo hàng thừa kế.",
        publish=True,
    )
    Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)
    question.refresh_from_db()
    return question


def article(number: str) -> Article:
    return Article.objects.get(document__slug="bo-luat-dan-su-2015", number=number)


def test_an_official_cites_a_clause_and_its_words_are_kept_with_its_points(
    event, official, answered
):
    heirs = article("651")
    citation = services.cite_law(
        actor=official,
        event=event,
        question_id=answered.pk,
        article=heirs,
        clause=heirs.clauses.get(number="1"),
    )
    assert citation.quote.startswith("1. Những người thừa kế theo pháp luật")
    assert "a) Hàng thừa kế thứ nhất gồm: vợ, chồng" in citation.quote
    assert citation.cited_by == official


def test_the_archive_shows_each_answers_citations_clause_by_clause(event, official, answered):
    heirs = article("651")
    services.cite_law(actor=official, event=event, question_id=answered.pk, article=article("650"))
    services.cite_law(
        actor=official,
        event=event,
        question_id=answered.pk,
        article=heirs,
        clause=heirs.clauses.get(number="1"),
    )
    page = Client().get(f"/e/{event.slug}/archive/").content.decode()
    cited = page.split('class="answer-citations"')[1]
    assert 'href="/law/bo-luat-dan-su-2015/dieu-650/"' in cited
    assert 'href="/law/bo-luat-dan-su-2015/dieu-651/#khoan-1"' in cited
    assert "Khoản 1, Điều 651, Bộ luật Dân sự" in cited


def test_the_articles_page_lists_the_answered_questions_that_cite_it(event, official, answered):
    services.cite_law(actor=official, event=event, question_id=answered.pk, article=article("651"))
    page = Client().get("/law/bo-luat-dan-su-2015/dieu-651/").content.decode()
    faq = page.split('id="law-faq"')[1]
    assert ASKED in faq
    assert f'href="/e/{event.slug}/archive/#q{answered.pk}"' in faq
    other = Client().get("/law/bo-luat-dan-su-2015/dieu-612/").content.decode()
    assert ASKED not in other


def test_an_unpublished_answer_is_not_listed_on_the_articles_page(event, official, library):
    question = QuestionFactory(event=event, text=ASKED, routed_to=official)
    services.write_answer(actor=official, event=event, question_id=question.pk, body="Nháp")
    services.cite_law(actor=official, event=event, question_id=question.pk, article=article("651"))
    page = Client().get("/law/bo-luat-dan-su-2015/dieu-651/").content.decode()
    assert ASKED not in page


def test_a_document_no_longer_in_force_is_cited_only_on_purpose(event, official, answered):
    LegalDocument.objects.filter(slug="bo-luat-dan-su-2015").update(status="expired")
    with pytest.raises(NotInForce):
        services.cite_law(
            actor=official, event=event, question_id=answered.pk, article=article("651")
        )
    services.cite_law(
        actor=official,
        event=event,
        question_id=answered.pk,
        article=article("651"),
        outdated_ok=True,
    )
    page = Client().get(f"/e/{event.slug}/archive/").content.decode()
    assert "Hết hiệu lực" in page.split('class="answer-citations"')[1]


def test_the_same_clause_is_cited_once_and_a_foreign_clause_is_refused(event, official, answered):
    services.cite_law(actor=official, event=event, question_id=answered.pk, article=article("651"))
    with pytest.raises(Conflict):
        services.cite_law(
            actor=official, event=event, question_id=answered.pk, article=article("651")
        )
    with pytest.raises(InvalidMessage):
        services.cite_law(
            actor=official,
            event=event,
            question_id=answered.pk,
            article=article("651"),
            clause=article("650").clauses.first(),
        )
    assert Citation.objects.count() == 1


def test_only_those_who_may_answer_cite_and_remove(event, official, outsider, answered):
    with pytest.raises(NotAllowed):
        services.cite_law(
            actor=outsider, event=event, question_id=answered.pk, article=article("651")
        )
    citation = services.cite_law(
        actor=official, event=event, question_id=answered.pk, article=article("651")
    )
    with pytest.raises(NotAllowed):
        services.remove_citation(actor=outsider, event=event, citation_id=citation.pk)
    services.remove_citation(actor=official, event=event, citation_id=citation.pk)
    assert not Citation.objects.exists()


def test_a_cited_law_cannot_be_deleted_from_under_its_answers(event, official, answered):
    services.cite_law(actor=official, event=event, question_id=answered.pk, article=article("651"))
    with pytest.raises(ProtectedError):
        LegalDocument.objects.filter(slug="bo-luat-dan-su-2015").delete()
