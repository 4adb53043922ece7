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
from law.models import Article, Clause
from live.errors import Conflict, InvalidMessage
from moderation import record
from moderation.services.answers import _ensure_can_answer


class NotInForce(InvalidMessage):
    code = "not_in_force"


def quoted(article: Article, clause: Clause | None) -> str:
    """The words cited: the clause with its points, or the whole article."""
    if clause is None:
        return article.text
    points = [f"{point.letter}) {point.text}" for point in clause.points.all()]
    return "\n".join([f"{clause.number}. {clause.text}", *points])


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
