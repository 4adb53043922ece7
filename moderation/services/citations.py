"""Citations of the law in an answer: an article, or one of its clauses, quoted as it reads.

Whoever may write the answer may cite: the official it is routed to, the dialogue's moderators
and the agency's organisers. A document no longer in force is cited only on purpose
(`outdated_ok`): its articles are not the law that applies.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dialogue.models import Answer, Citation, Question
from events.models import Event, User
from law.matching import library_index, rank_articles
from law.models import Article, Clause
from law.selectors import quoted
from live.errors import Conflict, InvalidMessage, NotFound
from moderation import record
from moderation.services.answers import _ensure_can_answer

# What the official's console offers for a question: the best articles, and in each the clauses
# that hold most of the question's words.
SUGGESTED_ARTICLES = 5
SUGGESTED_CLAUSES = 3


class NotInForce(InvalidMessage):
    code = "not_in_force"


def suggested_law(
    *, actor: User, event: Event, question_id: int
) -> list[tuple[Article, list[Clause]]]:
    """The articles most likely to answer a question, best first, each with its clauses that
    hold most of the question's words (none when the article has no clauses or none holds
    any); for whoever may answer it."""
    question = Question.objects.filter(pk=question_id, event=event, erased_at__isnull=True).first()
    if question is None:
        raise NotFound(_("There is no such question in this dialogue."))
    _ensure_can_answer(actor, event, question)
    matches = rank_articles(
        question.text, limit=SUGGESTED_ARTICLES, legal_field=event.legal_field or None
    )
    found = (
        Article.objects.select_related("document")
        .prefetch_related("clauses__points")
        .in_bulk([m.article_id for m in matches if m.article_id is not None])
    )
    index = library_index()
    suggested = []
    for match in matches:
        article = found.get(match.article_id or 0)
        if article is None:  # deleted since the index was built
            continue
        clauses = list(article.clauses.all())
        scores = index.rank_passages(question.text, [quoted(article, c) for c in clauses])
        ranked = sorted(
            (pair for pair in zip(scores, clauses, strict=True) if pair[0] > 0),
            key=lambda pair: -pair[0],
        )
        suggested.append((article, [clause for _score, clause in ranked[:SUGGESTED_CLAUSES]]))
    return suggested


@transaction.atomic
def cite_law(
    *,
    actor: User,
    event: Event,
    question_id: int,
    article: Article,
    clause: Clause | None = None,
    outdated_ok: bool = False,
) -> Citation:
    """Cite an article, or one of its clauses, in the answer to a question."""
    question: Question = record.lock(event, question_id)
    _ensure_can_answer(actor, event, question)
    answer = Answer.objects.filter(question=question).first()
    if answer is None:
        raise InvalidMessage(_("Write the answer first, then cite the law."), code="no_answer")
    if clause is not None and clause.article_id != article.pk:
        raise InvalidMessage(_("That clause belongs to another article."), code="invalid")
    if not article.document.applies and not outdated_ok:
        raise NotInForce(
            _("%(document)s is no longer in force: its articles are not the law that applies.")
            % {"document": article.document.title}
        )
    position = (answer.citations.aggregate(last=Max("position"))["last"] or 0) + 1
    try:
        with transaction.atomic():
            return Citation.objects.create(
                answer=answer,
                article=article,
                clause=clause,
                quote=quoted(article, clause),
                position=position,
                cited_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("The answer already cites it.")) from None


@transaction.atomic
def remove_citation(*, actor: User, event: Event, citation_id: int) -> None:
    """Take a citation out of an answer."""
    citation = (
        Citation.objects.select_related("answer__question")
        .filter(pk=citation_id, answer__question__event=event)
        .first()
    )
    if citation is None:
        raise InvalidMessage(_("No such citation."), code="not_found")
    question = record.lock(event, citation.answer.question_id)
    _ensure_can_answer(actor, event, question)
    citation.delete()
