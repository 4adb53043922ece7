"""Every write of a consultation: put a draft out, comment, support, screen, reply, summarise.

Comments are screened like questions: the draft's dialogue decides pre- or post-moderation, a
rejection names a reason from the questions' list, and each moderator's or official's action
writes its entry in the moderation audit log (moderation/services.py: log_action).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from consultation import changes, notices, permissions, versions
from consultation.models import (
    Article,
    Chapter,
    Clause,
    Comment,
    Commenter,
    Draft,
    Reply,
    Support,
)
from dialogue import ratelimit
from dialogue.models import Participant
from dialogue.services import ensure_not_banned
from events.models import Agency, Event, User
from events.text import clean_text, normalise
from live.errors import InvalidMessage, NotAllowed, NotFound
from moderation import record
from moderation.models import AgencyBan, ModerationLog
from moderation.services import log_action

Action = ModerationLog.Action

TITLE_MAX_LENGTH = 300
COMMENT_MAX_LENGTH = 2000
QUOTE_MAX_LENGTH = 1000
REPLY_MAX_LENGTH = 5000


class CommentsClosed(NotAllowed):
    code = "comments_closed"


# --- The organiser's draft ------------------------------------------------------------------------


@transaction.atomic
def create_draft(
    *,
    actor: User,
    agency: Agency,
    title: str,
    text: str,
    event: Event | None = None,
    closes_at: datetime | None = None,
) -> Draft:
    """Parse a pasted or uploaded draft into chapters, articles and clauses, and store it."""
    if not permissions.can_create_draft(actor, agency):
        raise NotAllowed(_("Only the organisers of this agency may put a draft out for comment."))
    if event is not None and event.agency_id != agency.pk:
        raise InvalidMessage(_("The dialogue belongs to another agency."), code="invalid_event")
    title = clean_text(title, max_length=TITLE_MAX_LENGTH, field=_("title"))
    parsed = versions.parsed(text)
    draft = Draft.objects.create(
        agency=agency,
        event=event,
        title=title,
        preamble=parsed.preamble,
        source_text=text,
        closes_at=closes_at,
        created_by=actor,
    )
    chapters = Chapter.objects.bulk_create(
        Chapter(draft=draft, number=c.number, title=c.title[:300], position=i)
        for i, c in enumerate(parsed.chapters)
    )
    articles = Article.objects.bulk_create(
        Article(
            draft=draft,
            chapter=chapters[a.chapter] if a.chapter is not None else None,
            section=a.section[:300],
            number=a.number,
            title=a.title[:300],
            body=a.body,
            position=i,
        )
        for i, a in enumerate(parsed.articles)
    )
    Clause.objects.bulk_create(
        Clause(article=article, number=c.number, text=c.text, position=i)
        for article, parsed_article in zip(articles, parsed.articles, strict=True)
        for i, c in enumerate(parsed_article.clauses)
    )
    versions.snapshot(draft, number=1, actor=actor, note="")
    return draft


TRANSITIONS = {
    (Draft.Status.PREPARING, Draft.Status.OPEN),
    (Draft.Status.OPEN, Draft.Status.CLOSED),
    (Draft.Status.CLOSED, Draft.Status.OPEN),
}


@transaction.atomic
def change_draft_status(*, actor: User, draft: Draft, status: str) -> Draft:
    """Open a draft for comments, close it, or open it again."""
    if not permissions.can_manage_draft(actor, draft):
        raise NotAllowed(_("Only the organisers of this agency may do that."))
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if (draft.status, status) not in TRANSITIONS:
        raise InvalidMessage(_("The consultation cannot change to that status now."))
    draft.status = status
    draft.save(update_fields=["status"])
    return draft


@transaction.atomic
def publish_summary(*, actor: User, draft: Draft, note: str = "") -> Draft:
    """Close the consultation and publish what was received and how the agency responded."""
    if not permissions.can_manage_draft(actor, draft):
        raise NotAllowed(_("Only the organisers of this agency may do that."))
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.status == Draft.Status.PREPARING:
        raise InvalidMessage(_("The draft has not been put out for comment yet."))
    draft.status = Draft.Status.CLOSED
    draft.summary_note = note.strip()[:5000]
    draft.summary_published_at = timezone.now()
    draft.save(update_fields=["status", "summary_note", "summary_published_at"])
    return draft


# --- Citizens -------------------------------------------------------------------------------------


def _ensure_may_take_part(draft: Draft, who: Commenter) -> None:
    if who.participant is not None:
        if who.participant.event_id != draft.event_id:
            raise NotAllowed()
        ensure_not_banned(who.participant)
    elif who.user is None or draft.event is not None:
        raise NotAllowed(_("Please sign in to comment on this draft."), code="sign_in_required")
    if (
        who.user is not None
        and AgencyBan.objects.filter(agency_id=draft.agency_id, user=who.user).exists()
    ):
        raise NotAllowed(_("You can no longer take part in this agency's consultations."))


def _identity(who: Commenter) -> int:
    """The key rate limits count: the participant, else the account (negative, to keep apart)."""
    if who.participant is not None:
        return who.participant.pk
    if who.user is None:
        raise ValueError("a commenter is a participant or an account")
    return -who.user.pk


def comment_on_article(
    *,
    draft: Draft,
    who: Commenter,
    article_id: int,
    clause_id: int | None,
    text: str,
    quote: str = "",
    wording: str = "",
    parent_id: int | None = None,
    ip: str | None = None,
) -> Comment:
    """Store a comment on an article or clause, a proposal of new wording for some of its
    words (`quote`, `wording`), or a reply in another comment's thread (`parent_id`); public
    at once only when post-moderated."""
    _ensure_may_take_part(draft, who)
    if not permissions.accepts_comments(draft):
        raise CommentsClosed(_("This draft is not taking comments now."))
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(
            pk=parent_id, draft=draft, parent=None, status__in=Comment.PUBLIC_STATUSES
        ).first()
        if parent is None or not parent.is_public:
            raise NotFound(_("There is no such comment on this draft."))
        article_id, clause_id, quote = parent.article_id, parent.clause_id, ""
    article = Article.objects.filter(pk=article_id, draft=draft, removed=False).first()
    if article is None:
        raise NotFound(_("There is no such article in this draft."))
    clause = None
    if clause_id is not None:
        clause = Clause.objects.filter(pk=clause_id, article=article).first()
        if clause is None or (clause.removed and parent is None):
            raise NotFound(_("There is no such clause in this article."))
    if quote.strip():
        quote, wording = _proposal(article, clause, quote, wording)
        text = (
            clean_text(text, max_length=COMMENT_MAX_LENGTH, field=_("reason"))
            if text.strip()
            else ""
        )
    else:
        quote, wording = "", ""
        text = clean_text(text, max_length=COMMENT_MAX_LENGTH, field=_("comment"))
    post_moderated = draft.moderation_mode == Event.Moderation.POST
    identity = _identity(who)
    with transaction.atomic():
        comment = Comment.objects.create(
            draft=draft,
            article=article,
            clause=clause,
            participant=who.participant,
            user=who.user,
            parent=parent,
            text=text,
            quote=quote,
            wording=wording,
            status=Comment.Status.APPROVED if post_moderated else Comment.Status.PENDING,
            published_at=timezone.now() if post_moderated else None,
        )
        # Counted inside the transaction: a refused comment is rolled back with its row.
        ratelimit.check("comment", participant_id=identity, ip=ip)
        if post_moderated:
            changes.article_changed(draft.pk, article.pk)
    return comment


def _proposal(article: Article, clause: Clause | None, quote: str, wording: str) -> tuple[str, str]:
    """The words to change, found in the clause (or the article), and the wording for them."""
    quote = " ".join(
        clean_text(quote, max_length=QUOTE_MAX_LENGTH, field=_("words to change")).split()
    )
    passage = clause.text if clause is not None else article.full_text()
    if quote not in " ".join(normalise(passage).split()):
        raise InvalidMessage(
            _("The words to change are not in the text of %(target)s.")
            % {"target": f"{clause} {article.label}" if clause is not None else article.label},
            code="quote_not_found",
        )
    wording = (
        clean_text(wording, max_length=COMMENT_MAX_LENGTH, field=_("proposed wording"))
        if wording.strip()
        else ""
    )
    if wording == quote:
        raise InvalidMessage(
            _("The proposed wording is the same as the text."), code="same_wording"
        )
    return quote, wording


def _supporter_filter(who: Commenter) -> dict[str, Any]:
    if who.participant is not None:
        return {"participant": who.participant}
    return {"participant": None, "user": who.user}


def support_comment(
    *, draft: Draft, who: Commenter, comment_id: int, ip: str | None = None
) -> Comment:
    """Support a published comment once; a second support by the same person changes nothing."""
    _ensure_may_take_part(draft, who)
    if not permissions.accepts_comments(draft):
        raise CommentsClosed(_("This draft is not taking comments now."))
    comment = Comment.objects.filter(
        pk=comment_id, draft=draft, status__in=Comment.PUBLIC_STATUSES
    ).first()
    if comment is None:
        raise NotFound(_("There is no such comment on this draft."))
    identity = _identity(who)
    try:
        with transaction.atomic():
            Support.objects.create(comment=comment, **_supporter_filter(who))
            ratelimit.check("support", participant_id=identity, ip=ip)
            Comment.objects.filter(pk=comment.pk).update(support_count=F("support_count") + 1)
            changes.article_changed(draft.pk, comment.article_id)
    except IntegrityError:
        pass  # supported already: the database keeps one support per person
    comment.refresh_from_db(fields=["support_count"])
    return comment


def withdraw_support(
    *, draft: Draft, who: Commenter, comment_id: int, ip: str | None = None
) -> Comment:
    """Take back one's support of a comment."""
    _ensure_may_take_part(draft, who)
    comment = Comment.objects.filter(pk=comment_id, draft=draft).first()
    if comment is None:
        raise NotFound(_("There is no such comment on this draft."))
    with transaction.atomic():
        deleted, _rows = Support.objects.filter(comment=comment, **_supporter_filter(who)).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(support_count=F("support_count") - 1)
            changes.article_changed(draft.pk, comment.article_id)
    comment.refresh_from_db(fields=["support_count"])
    return comment


# --- Moderators and officials ---------------------------------------------------------------------


def _state(comment: Comment) -> dict[str, Any]:
    """What the audit log keeps of a comment before and after an action."""
    state: dict[str, Any] = {
        "draft": comment.draft_id,
        "article": comment.article_id,
        "clause": comment.clause_id,
        "text": comment.text,
        "quote": comment.quote,
        "wording": comment.wording,
        "status": comment.status,
        "reason": comment.rejection_reason,
        "note": comment.rejection_note,
    }
    reply = Reply.objects.filter(comment=comment).first()
    if reply is not None:
        state["reply"] = {"body": reply.body, "disposition": reply.disposition}
    return state


def _lock(draft: Draft, comment_id: int) -> Comment:
    comment = Comment.objects.select_for_update().filter(pk=comment_id, draft=draft).first()
    if comment is None:
        raise NotFound(_("There is no such comment on this draft."))
    return comment


def _ensure_can_moderate(actor: User, draft: Draft) -> None:
    if not permissions.can_moderate_draft(actor, draft):
        raise NotAllowed(_("Only the moderators of this consultation may do that."))


@transaction.atomic
def approve_comment(*, actor: User, draft: Draft, comment_id: int) -> Comment:
    """Publish a comment (from incoming or from rejected)."""
    _ensure_can_moderate(actor, draft)
    comment = _lock(draft, comment_id)
    record.publish_comment(actor=actor, event=draft.event, comment=comment, state=_state)
    changes.article_changed(draft.pk, comment.article_id)
    return comment


@transaction.atomic
def reject_comment(
    *, actor: User, draft: Draft, comment_id: int, reason: str, note: str = ""
) -> Comment:
    """Hide a comment from the public with a reason from the questions' list."""
    _ensure_can_moderate(actor, draft)
    if reason not in Comment.RejectionReason.values:
        raise InvalidMessage(_("Choose a reason from the list."), code="invalid_reason")
    comment = _lock(draft, comment_id)
    record.not_select_comment(
        actor=actor, event=draft.event, comment=comment, state=_state, reason=reason, note=note
    )
    changes.article_changed(draft.pk, comment.article_id)
    return comment


@transaction.atomic
def reply_to_comment(
    *, actor: User, draft: Draft, comment_id: int, body: str, disposition: str
) -> Reply:
    """Respond to a published comment or proposal: accepted into the draft, partly (with
    changes), explained, or declined; the commenter is told of the first response."""
    if not permissions.can_reply(actor, draft):
        raise NotAllowed(_("Only the officials of this consultation may respond."))
    if disposition not in Reply.Disposition.values:
        raise InvalidMessage(_("Choose accepted, partly accepted or explained."))
    body = clean_text(body, max_length=REPLY_MAX_LENGTH, field=_("response"))
    comment = _lock(draft, comment_id)
    if not comment.is_public:
        raise InvalidMessage(_("Only a published comment can be answered."), code="invalid_state")
    before = _state(comment)
    reply, created = Reply.objects.update_or_create(
        comment=comment,
        defaults={"body": body, "disposition": disposition, "official": actor},
    )
    if created:
        notices.tell_of_reply(comment)
    changes.article_changed(draft.pk, comment.article_id)
    log_action(
        actor=actor,
        action=Action.ANSWER,
        event=draft.event,
        comment=comment,
        before=before,
        after=_state(comment),
    )
    return reply


def erase_comments(*, participant: Participant) -> int:
    """The commenter erased their data: each comment becomes a tombstone, counted, wordless.

    Its supports stay as counts; the audit log's before and after of it are emptied; the
    officials' replies stay, since they are the agency's words.
    """
    comments = list(Comment.objects.select_for_update().filter(participant=participant))
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(
        text="", quote="", wording="", rejection_note="", erased_at=timezone.now()
    )
    ModerationLog.objects.filter(comment__in=comments).update(before={}, after={})
    for draft_id, article_id in {(c.draft_id, c.article_id) for c in comments}:
        changes.article_changed(draft_id, article_id)
    return len(comments)
