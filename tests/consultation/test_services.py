"""Drafts, comments, supports, moderation with its audit entries, replies and the summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultation import selectors, services
from consultation.demo import DRAFT_TEXT
from consultation.models import Article, Comment, Commenter, Draft, Reply, Support
from dialogue import ratelimit
from events.models import Event
from live.errors import InvalidMessage, NotAllowed, NotFound, RateLimited
from moderation.models import AgencyBan, ModerationLog
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    EventFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def article(draft: Draft, number: str) -> Article:
    return draft.articles.get(number=number)


def comment(draft: Draft, who: Commenter, number: str = "3", clause: str = "") -> Comment:
    target = article(draft, number)
    clause_id = target.clauses.get(number=clause).pk if clause else None
    return services.comment_on_article(
        draft=draft,
        who=who,
        article_id=target.pk,
        clause_id=clause_id,
        text="Đề nghị nâng thời gian hỗ trợ lên 12 tháng.",
    )


def test_creating_a_draft_stores_its_chapters_articles_and_clauses(event, organiser):
    draft = services.create_draft(
        actor=organiser, agency=event.agency, event=event, title="Dự thảo", text=DRAFT_TEXT
    )

    assert draft.status == Draft.Status.PREPARING
    assert list(draft.chapters.values_list("number", flat=True)) == ["I", "II", "III"]
    assert list(draft.articles.values_list("number", flat=True)) == ["1", "2", "3", "4", "5"]
    third = article(draft, "3")
    assert third.chapter.title == "MỨC HỖ TRỢ"
    assert [c.number for c in third.clauses.all()] == ["1", "2"]
    assert draft.preamble.startswith("HỘI ĐỒNG NHÂN DÂN TỈNH BẮC NINH")


def test_only_the_agencys_organisers_create_drafts(event, moderator, other_organiser):
    for person in (moderator, other_organiser):
        with pytest.raises(NotAllowed):
            services.create_draft(
                actor=person, agency=event.agency, title="Dự thảo", text=DRAFT_TEXT
            )
    assert not Draft.objects.exists()


def test_a_draft_cannot_be_tied_to_another_agencys_dialogue(event, organiser):
    elsewhere = EventFactory()
    with pytest.raises(InvalidMessage):
        services.create_draft(
            actor=organiser, agency=event.agency, event=elsewhere, title="X", text=DRAFT_TEXT
        )
    assert not Draft.objects.exists()


def test_a_pre_moderated_comment_waits_and_the_approval_is_audited(draft, nickname, moderator):
    pending = comment(draft, nickname, "3", clause="1")

    assert pending.status == Comment.Status.PENDING
    assert pending.target_label == "Khoản 1 Điều 3"
    assert selectors.draft_outline(draft=draft)[1].articles[0].comment_count == 0

    approved = services.approve_comment(actor=moderator, draft=draft, comment_id=pending.pk)

    assert approved.status == Comment.Status.APPROVED
    assert approved.published_at
    entry = ModerationLog.objects.get(comment=approved)
    assert (entry.action, entry.actor, entry.event) == ("approve", moderator, draft.event)
    assert (entry.before["status"], entry.after["status"]) == ("pending", "approved")
    outline = selectors.draft_outline(draft=draft)
    assert outline[1].articles[0].comment_count == 1
    assert outline[1].articles[0].comments == [approved]


def test_a_post_moderated_dialogue_publishes_comments_at_once(draft, nickname):
    Event.objects.filter(pk=draft.event_id).update(moderation_mode=Event.Moderation.POST)
    draft.refresh_from_db()

    assert comment(draft, nickname).status == Comment.Status.APPROVED


def test_rejecting_needs_a_reason_from_the_questions_list_and_is_audited(
    draft, nickname, moderator
):
    pending = comment(draft, nickname)
    with pytest.raises(InvalidMessage):
        services.reject_comment(actor=moderator, draft=draft, comment_id=pending.pk, reason="x")
    assert not ModerationLog.objects.exists()

    rejected = services.reject_comment(
        actor=moderator, draft=draft, comment_id=pending.pk, reason="off_topic", note="Lạc đề"
    )

    assert (rejected.status, rejected.rejection_reason) == ("rejected", "off_topic")
    assert ModerationLog.objects.get(comment=rejected).after["note"] == "Lạc đề"


def test_citizens_officials_and_other_moderators_cannot_moderate(
    draft, nickname, citizen, official, other_organiser
):
    pending = comment(draft, nickname)
    for person in (citizen, official, other_organiser):
        with pytest.raises(NotAllowed):
            services.approve_comment(actor=person, draft=draft, comment_id=pending.pk)
    pending.refresh_from_db()
    assert pending.status == Comment.Status.PENDING
    assert not ModerationLog.objects.exists()


def test_a_comment_on_an_article_of_another_draft_is_not_found(draft, nickname, organiser):
    other = services.create_draft(
        actor=organiser, agency=draft.agency, title="Khác", text=DRAFT_TEXT
    )
    with pytest.raises(NotFound):
        services.comment_on_article(
            draft=draft,
            who=nickname,
            article_id=other.articles.first().pk,
            clause_id=None,
            text="Góp ý",
        )
    with pytest.raises(NotFound):
        services.comment_on_article(
            draft=draft,
            who=nickname,
            article_id=article(draft, "3").pk,
            clause_id=article(draft, "4").clauses.first().pk,
            text="Góp ý",
        )
    assert not Comment.objects.exists()


def test_comments_are_refused_before_the_draft_opens_and_after_it_closes(
    draft, nickname, organiser
):
    services.change_draft_status(actor=organiser, draft=draft, status=Draft.Status.CLOSED)
    draft.refresh_from_db()
    with pytest.raises(services.CommentsClosed):
        comment(draft, nickname)
    assert not Comment.objects.exists()


def test_comments_are_refused_once_the_dialogue_has_ended(draft, nickname):
    Event.objects.filter(pk=draft.event_id).update(status=Event.Status.ENDED)
    draft.refresh_from_db()
    with pytest.raises(services.CommentsClosed):
        comment(draft, nickname)


def test_a_banned_participant_cannot_comment(draft, nickname):
    nickname.participant.banned_at = timezone.now()
    nickname.participant.save()
    with pytest.raises(NotAllowed):
        comment(draft, nickname)
    assert not Comment.objects.exists()


def test_a_participant_of_another_dialogue_cannot_comment(draft):
    stranger = Commenter(participant=ParticipantFactory(), user=None)
    with pytest.raises(NotAllowed):
        comment(draft, stranger)


def test_comments_are_rate_limited_like_questions(draft, nickname, settings):
    settings.DIALOGUE = {
        **settings.DIALOGUE,
        "RATE_LIMITS": {
            **settings.DIALOGUE["RATE_LIMITS"],
            "comment": {"participant": "2/minute", "ip": "100/minute"},
        },
    }
    ratelimit._item.cache_clear()
    comment(draft, nickname)
    comment(draft, nickname)
    with pytest.raises(RateLimited):
        comment(draft, nickname)
    assert Comment.objects.count() == 2


def test_one_support_per_participant_is_kept_by_the_database(draft, nickname, signed_in):
    Event.objects.filter(pk=draft.event_id).update(moderation_mode=Event.Moderation.POST)
    draft.refresh_from_db()
    published = comment(draft, nickname)

    services.support_comment(draft=draft, who=signed_in, comment_id=published.pk)
    again = services.support_comment(draft=draft, who=signed_in, comment_id=published.pk)

    assert again.support_count == 1
    assert Support.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(comment=published, participant=signed_in.participant)

    withdrawn = services.withdraw_support(draft=draft, who=signed_in, comment_id=published.pk)
    assert withdrawn.support_count == 0


def test_a_pending_comment_cannot_be_supported(draft, nickname, signed_in):
    pending = comment(draft, nickname)
    with pytest.raises(NotFound):
        services.support_comment(draft=draft, who=signed_in, comment_id=pending.pk)
    assert not Support.objects.exists()


def test_an_official_replies_to_a_published_comment_and_it_is_audited(
    draft, nickname, moderator, official
):
    pending = comment(draft, nickname)
    with pytest.raises(InvalidMessage):
        services.reply_to_comment(
            actor=official, draft=draft, comment_id=pending.pk, body="X", disposition="accepted"
        )
    services.approve_comment(actor=moderator, draft=draft, comment_id=pending.pk)

    reply = services.reply_to_comment(
        actor=official,
        draft=draft,
        comment_id=pending.pk,
        body="Tiếp thu, đã sửa điểm a khoản 1.",
        disposition=Reply.Disposition.ACCEPTED,
    )

    assert reply.official == official
    entry = ModerationLog.objects.get(comment=pending, action="answer")
    assert entry.after["reply"] == {
        "body": "Tiếp thu, đã sửa điểm a khoản 1.",
        "disposition": "accepted",
    }
    with pytest.raises(NotAllowed):
        services.reply_to_comment(
            actor=moderator,
            draft=draft,
            comment_id=pending.pk,
            body="Sửa",
            disposition="explained",
        )


def test_the_summary_lists_published_comments_in_the_drafts_order(
    draft, nickname, moderator, official, organiser
):
    later = comment(draft, nickname, "4")
    earlier = comment(draft, nickname, "3", clause="2")
    hidden = comment(draft, nickname, "1")
    for published in (later, earlier):
        services.approve_comment(actor=moderator, draft=draft, comment_id=published.pk)
    services.reply_to_comment(
        actor=official, draft=draft, comment_id=later.pk, body="Giải trình", disposition="explained"
    )

    draft = services.publish_summary(actor=organiser, draft=draft, note="Tổng hợp")

    rows = selectors.summary_rows(draft=draft)
    assert [(r.target, r.disposition, r.response) for r in rows] == [
        ("Khoản 2 Điều 3", "", ""),
        ("Điều 4", "Giải trình", "Giải trình"),
    ]
    assert hidden.status == Comment.Status.PENDING
    assert len(rows) == 2
    assert draft.status == Draft.Status.CLOSED
    assert draft.summary_published_at


def test_only_organisers_publish_the_summary(draft, moderator, official):
    for person in (moderator, official):
        with pytest.raises(NotAllowed):
            services.publish_summary(actor=person, draft=draft)
    draft.refresh_from_db()
    assert draft.summary_published_at is None


def test_a_standing_draft_takes_comments_from_accounts_only(citizen, organiser, event):
    standing = services.create_draft(
        actor=organiser, agency=event.agency, title="Thường xuyên", text=DRAFT_TEXT
    )
    services.change_draft_status(actor=organiser, draft=standing, status=Draft.Status.OPEN)
    standing.refresh_from_db()
    assert standing.moderation_mode == Event.Moderation.PRE

    with pytest.raises(NotAllowed):
        comment(standing, Commenter(participant=None, user=None))
    mine = comment(standing, Commenter(participant=None, user=citizen))
    services.approve_comment(actor=organiser, draft=standing, comment_id=mine.pk)

    entry = ModerationLog.objects.get(comment=mine)
    assert entry.event is None
    AgencyBan.objects.create(agency=event.agency, user=citizen)
    with pytest.raises(NotAllowed):
        comment(standing, Commenter(participant=None, user=citizen))


def test_a_standing_draft_of_another_agency_is_not_moderated_by_this_one(organiser, event):
    other = AgencyFactory()
    theirs = UserFactory()
    AgencyMembershipFactory(agency=other, user=theirs)
    standing = services.create_draft(actor=theirs, agency=other, title="Khác", text=DRAFT_TEXT)
    with pytest.raises(NotAllowed):
        services.change_draft_status(actor=organiser, draft=standing, status="open")


def test_comments_are_refused_after_the_closing_date(draft, nickname):
    Draft.objects.filter(pk=draft.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    draft.refresh_from_db()
    with pytest.raises(services.CommentsClosed):
        comment(draft, nickname)
    assert not Comment.objects.exists()
