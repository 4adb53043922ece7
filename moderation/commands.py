"""What each moderator socket command does: authorise again, call one service, build the reply.

Runs in a worker thread. Every command re-reads the event and re-checks the moderator's role,
so a role taken away while the console is open takes effect on the next command.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dialogue.frames import Pong
from dialogue.messages import public_poll
from dialogue.models import Poll, Question
from dialogue.selectors import poll_results
from dialogue.sessions import ensure_signed_in
from events import permissions
from events.models import Event, User
from law.models import Article, Clause
from live.errors import DomainError, NotAllowed, NotFound
from live.wire import build
from moderation import frames, messages, selectors, services
from moderation.selectors import CITATIONS


def _event(event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("This dialogue is not available."))
    return event


def _done(command_id: str, event: Event, questions: list[Question]) -> dict[str, Any]:
    return build(
        frames.Done,
        reply_to=command_id,
        questions=[selectors.moderator_view(q, event)["question"] for q in questions],
    )


def handle(
    user: User, event_id: int, command: messages.ModeratorCommand, session_key: str | None = None
) -> dict[str, Any]:
    """Run one validated command for `user` and return its reply frame."""
    event = _event(event_id)
    ensure_signed_in(user, session_key)
    services.ensure_can_moderate(user, event)
    c = command
    if isinstance(c, messages.Ping):
        return build(Pong, reply_to=c.id)
    if isinstance(c, messages.Resync):
        return {**selectors.moderator_snapshot(event), "reply_to": c.id}
    if isinstance(c, messages.Modes):
        event = services.set_modes(
            actor=user,
            event=event,
            moderation=c.moderation,
            intake_open=c.intake_open,
            voting_open=c.voting_open,
        )
        return build(frames.Done, reply_to=c.id, modes=messages.modes(event), questions=[])
    if isinstance(c, messages.Ban):
        services.ban_participant(
            actor=user,
            event=event,
            participant_id=c.participant,
            question_id=c.question,
            scope=c.scope,
            reason=c.reason,
        )
        return build(frames.Done, reply_to=c.id, questions=[])
    if isinstance(c, messages.Bulk):
        return _bulk(user, event, c)
    if isinstance(c, messages.OpenPoll | messages.ClosePoll | messages.ShowPoll):
        return _on_poll(user, event, c)
    return _done(c.id, event, _on_question(user, event, c))


def _on_poll(
    user: User, event: Event, c: messages.OpenPoll | messages.ClosePoll | messages.ShowPoll
) -> dict[str, Any]:
    """Open, close or show a poll; the reply carries the poll's new state."""
    if isinstance(c, messages.OpenPoll):
        poll = services.open_poll(actor=user, event=event, poll_id=c.poll)
    elif isinstance(c, messages.ClosePoll):
        poll = services.close_poll(actor=user, event=event, poll_id=c.poll)
    else:
        poll = services.show_poll_on_stage(actor=user, event=event, poll_id=c.poll, shown=c.shown)
    fresh = Poll.objects.prefetch_related("options").get(pk=poll.pk)
    results = poll_results(poll_ids=[poll.pk])[poll.pk]
    return build(frames.Done, reply_to=c.id, questions=[], poll=public_poll(fresh, results))


def _on_question(user: User, event: Event, c: messages.OnQuestion) -> list[Question]:
    """Run an action on one question; returns every question it changed."""
    q, v = c.question, c.version
    if isinstance(c, messages.Approve):
        return [services.approve_question(actor=user, event=event, question_id=q, version=v)]
    if isinstance(c, messages.Reject):
        return [
            services.reject_question(
                actor=user, event=event, question_id=q, version=v, reason=c.reason, note=c.note
            )
        ]
    if isinstance(c, messages.Edit):
        return [
            services.edit_question(actor=user, event=event, question_id=q, version=v, text=c.text)
        ]
    if isinstance(c, messages.Tag):
        return [
            services.tag_question(actor=user, event=event, question_id=q, version=v, topic=c.topic)
        ]
    if isinstance(c, messages.Star):
        return [
            services.star_question(
                actor=user, event=event, question_id=q, version=v, starred=c.starred
            )
        ]
    if isinstance(c, messages.Route):
        return [
            services.route_question(
                actor=user, event=event, question_id=q, version=v, official_id=c.official
            )
        ]
    if isinstance(c, messages.Stage):
        return services.set_stage(actor=user, event=event, question_id=q, version=v, stage=c.stage)
    if not isinstance(c, messages.Merge):
        raise TypeError(f"no handler for the {type(c).__name__} command")
    sources: list[tuple[int, int | None]] = [(item.question, item.version) for item in c.sources]
    return services.merge_questions(
        actor=user, event=event, question_id=q, version=v, sources=sources
    )


def _bulk(user: User, event: Event, command: messages.Bulk) -> dict[str, Any]:
    """Apply one action to many questions; each stands alone, refusals are listed, not fatal."""
    changed: list[Question] = []
    refused: list[dict[str, Any]] = []
    for item in command.items:
        try:
            if command.action == "approve":
                changed.append(
                    services.approve_question(
                        actor=user, event=event, question_id=item.question, version=item.version
                    )
                )
            else:
                changed.append(
                    services.reject_question(
                        actor=user,
                        event=event,
                        question_id=item.question,
                        version=item.version,
                        reason=command.reason or Question.RejectionReason.OTHER,
                    )
                )
        except DomainError as error:
            refused.append(
                {"question": item.question, "code": error.code, "message": error.message}
            )
    return build(frames.Done, **_done(command.id, event, changed), refused=refused)


def conflict_frame(
    error: services.StaleVersion, event_id: int, reply_to: str | None
) -> dict[str, Any]:
    """A conflict names the question's current state, so the console refreshes that item."""
    event = _event(event_id)
    fields: dict[str, Any] = {
        "code": error.code,
        "message": str(error.message),
        "question": selectors.moderator_view(error.question, event)["question"],
    }
    if reply_to is not None:
        fields["reply_to"] = reply_to
    return build(frames.ConflictError, **fields)


# --- The official's socket ---------------------------------------------------------------------


def official_snapshot(user: User, event: Event) -> dict[str, Any]:
    return build(
        frames.OfficialSnapshot,
        event={"id": event.pk, "slug": event.slug, "title": event.title, "status": event.status},
        questions=[messages.official_question(q) for q in selectors.routed_questions(event, user)],
    )


def _law(article_id: int, clause_id: int | None) -> tuple[Article, Clause | None]:
    article = Article.objects.select_related("document").filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("There is no such article in the legal library."))
    if clause_id is None:
        return article, None
    clause = Clause.objects.prefetch_related("points").filter(pk=clause_id).first()
    if clause is None:
        raise NotFound(_("There is no such clause in the legal library."))
    return article, clause


def handle_official(
    user: User, event_id: int, command: messages.OfficialCommand, session_key: str | None = None
) -> dict[str, Any]:
    """Run one validated command of an official's console and return its reply frame."""
    event = _event(event_id)
    ensure_signed_in(user, session_key)
    if not permissions.can_run(user, event):
        raise NotAllowed(_("Only the officials of this dialogue may do that."))
    c = command
    if isinstance(c, messages.Ping):
        return build(Pong, reply_to=c.id)
    if isinstance(c, messages.Resync):
        return {**official_snapshot(user, event), "reply_to": c.id}
    if isinstance(c, messages.LawLookup):
        suggested = services.suggested_law(actor=user, event=event, question_id=c.question)
        return messages.official_law(c.question, suggested, c.id)
    if isinstance(c, messages.Answering):
        changed = services.start_answering(actor=user, event=event, question_id=c.question)
    elif isinstance(c, messages.Cite):
        article, clause = _law(c.article, c.clause)
        services.cite_law(
            actor=user,
            event=event,
            question_id=c.question,
            article=article,
            clause=clause,
            outdated_ok=c.outdated_ok,
        )
        changed = [Question(pk=c.question)]
    elif isinstance(c, messages.Uncite):
        services.remove_citation(actor=user, event=event, citation_id=c.citation)
        changed = [Question(pk=c.question)]
    elif isinstance(c, messages.Note):
        changed = [
            services.save_live_note(actor=user, event=event, question_id=c.question, note=c.note)
        ]
    else:
        changed = [
            services.write_answer(
                actor=user, event=event, question_id=c.question, body=c.body, publish=c.publish
            )
        ]
    fresh = (
        Question.objects.select_related("author__user", "answer")
        .prefetch_related(CITATIONS)
        .filter(pk__in=[q.pk for q in changed], event=event)
    )
    return build(
        frames.Done, reply_to=c.id, questions=[messages.official_question(q) for q in fresh]
    )
