"""Proposed wording, threads, the agency's decisions, new versions with their diff, notices."""

from __future__ import annotations

import pytest
from django.core import mail

from consultation import selectors, services, versions
from consultation.demo import DRAFT_TEXT
from consultation.diff import Piece, word_diff
from consultation.models import Comment, Commenter, Draft, Reply
from live.errors import InvalidMessage, NotFound
from moderation.models import ModerationLog

pytestmark = pytest.mark.django_db

QUOTE = "06 tháng nếu không phải di chuyển chỗ ở"
WORDING = "09 tháng nếu không phải di chuyển chỗ ở"
REVISED = DRAFT_TEXT.replace("a) 06 tháng", "a) 09 tháng").replace(
    "Điều 5. Tổ chức thực hiện", "Điều 5. Tổ chức thực hiện và giám sát"
)


def propose(draft: Draft, who: Commenter, quote: str = QUOTE, wording: str = WORDING) -> Comment:
    third = draft.articles.get(number="3")
    return services.comment_on_article(
        draft=draft,
        who=who,
        article_id=third.pk,
        clause_id=third.clauses.get(number="1").pk,
        text="Sáu tháng không đủ để ổn định.",
        quote=quote,
        wording=wording,
    )


def test_a_proposal_keeps_the_words_to_change_and_the_new_wording(draft, nickname):
    proposal = propose(draft, nickname, quote="  06 tháng   nếu không phải\n di chuyển chỗ ở ")

    assert proposal.is_proposal
    assert (proposal.quote, proposal.wording) == (QUOTE, WORDING)
    assert proposal.status == Comment.Status.PENDING  # screened as any comment


def test_words_not_in_the_clause_are_refused_and_nothing_is_stored(draft, nickname):
    with pytest.raises(InvalidMessage) as refused:
        propose(draft, nickname, quote="12 tháng nếu không có đất")  # not in the clause

    assert refused.value.code == "quote_not_found"
    assert "Khoản 1 Điều 3" in refused.value.message
    with pytest.raises(InvalidMessage) as same:
        propose(draft, nickname, wording=QUOTE)
    assert same.value.code == "same_wording"
    assert not Comment.objects.exists()


def test_a_proposal_may_strike_words_out_without_a_reason(draft, nickname):
    third = draft.articles.get(number="3")
    proposal = services.comment_on_article(
        draft=draft,
        who=nickname,
        article_id=third.pk,
        clause_id=None,  # the whole article: its clauses are its text
        text="",
        quote="theo giá trung bình tại địa phương",
        wording="",
    )

    assert (proposal.wording, proposal.text, proposal.clause) == ("", "", None)


def test_a_plain_comment_still_needs_words(draft, nickname):
    third = draft.articles.get(number="3")
    with pytest.raises(InvalidMessage):
        services.comment_on_article(
            draft=draft, who=nickname, article_id=third.pk, clause_id=None, text="  "
        )


def test_a_reply_joins_the_thread_of_a_published_comment_only(
    draft, nickname, signed_in, moderator
):
    first = propose(draft, nickname)
    with pytest.raises(NotFound):  # not published yet
        services.comment_on_article(
            draft=draft,
            who=signed_in,
            article_id=0,
            clause_id=None,
            text="Đồng ý",
            parent_id=first.pk,
        )
    services.approve_comment(actor=moderator, draft=draft, comment_id=first.pk)
    reply = services.comment_on_article(
        draft=draft,
        who=signed_in,
        article_id=0,  # the thread's article and clause are taken, whatever is sent
        clause_id=None,
        text="Đồng ý, nên 09 tháng.",
        quote="ignored in a thread",
        parent_id=first.pk,
    )
    services.approve_comment(actor=moderator, draft=draft, comment_id=reply.pk)

    assert (reply.parent, reply.article, reply.clause, reply.quote) == (
        first,
        first.article,
        first.clause,
        "",
    )
    [article] = [
        a
        for part in selectors.draft_outline(draft=draft)
        for a in part.articles
        if a.article == first.article
    ]
    assert article.comments == [first]
    assert article.comments[0].replies == [reply]
    with pytest.raises(NotFound):  # one level: a reply has no thread of its own
        services.comment_on_article(
            draft=draft, who=nickname, article_id=0, clause_id=None, text="Và?", parent_id=reply.pk
        )


def test_the_agency_declines_a_proposal_with_a_reason_and_the_proposer_is_told_once(
    draft, signed_in, moderator, official, run_tasks, django_capture_on_commit_callbacks
):
    proposal = propose(draft, signed_in)
    services.approve_comment(actor=moderator, draft=draft, comment_id=proposal.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_to_comment(
            actor=official,
            draft=draft,
            comment_id=proposal.pk,
            body="Không tiếp thu: khung của Nghị định là 06 tháng.",
            disposition=Reply.Disposition.DECLINED,
        )
        services.reply_to_comment(
            actor=official,
            draft=draft,
            comment_id=proposal.pk,
            body="Không tiếp thu: khung của Nghị định 88/2024 là 06 tháng.",
            disposition=Reply.Disposition.DECLINED,
        )
    assert run_tasks() == 1
    [told] = mail.outbox
    assert told.to == [signed_in.user.email]
    assert "Khoản 1 Điều 3" in told.body
    assert f"#comment-{proposal.pk}" in told.body
    entry = ModerationLog.objects.filter(comment=proposal, action="answer").last()
    assert entry.after["quote"] == QUOTE
    assert entry.after["reply"]["disposition"] == "declined"


def _accepted(draft, who, moderator, official) -> Comment:  # type: ignore[no-untyped-def]
    proposal = propose(draft, who)
    services.approve_comment(actor=moderator, draft=draft, comment_id=proposal.pk)
    services.reply_to_comment(
        actor=official,
        draft=draft,
        comment_id=proposal.pk,
        body="Tiếp thu.",
        disposition=Reply.Disposition.ACCEPTED,
    )
    return proposal


def test_a_new_version_rewrites_articles_in_place_and_names_the_proposals_it_took(
    draft,
    signed_in,
    nickname,
    moderator,
    official,
    organiser,
    run_tasks,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = _accepted(draft, signed_in, moderator, official)
    run_tasks()  # the response is told
    mail.outbox.clear()
    propose(draft, nickname)  # a second proposal, by a nickname who left no address
    third = draft.articles.get(number="3")
    clause = third.clauses.get(number="1")
    with django_capture_on_commit_callbacks(execute=True):
        version = versions.publish_version(actor=organiser, draft=draft, text=REVISED, note="Sửa")
    assert run_tasks() == 1

    assert version.number == 2
    clause.refresh_from_db()
    assert "a) 09 tháng" in clause.text  # the same clause: its comments stay on it
    proposal.refresh_from_db()
    assert proposal.version == version
    changes = selectors.version_changes(version=version)
    assert [c.label for c in changes] == ["Điều 3", "Điều 5"]
    assert Piece("deleted", "06 ") in changes[0].pieces
    assert Piece("inserted", "09 ") in changes[0].pieces
    assert changes[0].proposals == [proposal]  # accepted; the other is not even published
    assert changes[1].proposals == []
    assert changes[0].title_pieces == []  # the heading of Điều 3 did not change
    assert [p.kind for p in changes[1].title_pieces] == ["same", "inserted"]
    assert changes[1].title_pieces[1].text == "và giám sát"
    assert [m.to for m in mail.outbox] == [[signed_in.user.email]]  # the nickname left no email
    assert version.get_absolute_url() in mail.outbox[0].body
    assert [row.version for row in selectors.summary_rows(draft=draft)] == [2]


def test_a_version_that_drops_a_clause_keeps_its_comments_but_takes_no_new_ones(
    draft, nickname, organiser
):
    third = draft.articles.get(number="3")
    second = third.clauses.get(number="2")
    versions.publish_version(
        actor=organiser,
        draft=draft,
        text=DRAFT_TEXT.replace(
            "2. Mức hỗ trợ cho một nhân khẩu được tính bằng tiền tương đương 30 kg gạo trong 01 "
            "tháng theo giá trung bình tại địa phương.\n",
            "",
        ),
    )

    second.refresh_from_db()
    assert second.removed
    with pytest.raises(NotFound):
        services.comment_on_article(
            draft=draft, who=nickname, article_id=third.pk, clause_id=second.pk, text="Còn không?"
        )


def test_a_draft_being_prepared_has_no_new_version(event, organiser):
    prepared = services.create_draft(
        actor=organiser, agency=event.agency, event=event, title="Dự thảo", text=DRAFT_TEXT
    )
    assert prepared.versions.get().number == 1
    with pytest.raises(InvalidMessage):
        versions.publish_version(actor=organiser, draft=prepared, text=REVISED)


def test_erasure_empties_a_proposals_words(draft, nickname):
    proposal = propose(draft, nickname)
    services.erase_comments(participant=nickname.participant)

    proposal.refresh_from_db()
    assert (proposal.text, proposal.quote, proposal.wording) == ("", "", "")


@pytest.mark.parametrize(
    ("old", "new", "pieces"),
    [
        ("a) 06 tháng nếu", "a) 09 tháng nếu", ["a) ", "-06 ", "+09 ", "tháng nếu"]),
        ("một hai ba", "một hai ba", ["một hai ba"]),
        ("", "Điều mới", ["+Điều mới"]),
        ("bỏ hết", "", ["-bỏ hết"]),
        ("hai dòng\nthứ hai", "hai dòng thứ hai", ["hai dòng thứ hai"]),
    ],
)
def test_the_word_diff_reads_old_into_new(old, new, pieces):
    shown = [
        {"same": "", "deleted": "-", "inserted": "+"}[p.kind] + p.text for p in word_diff(old, new)
    ]
    assert shown == pieces
    assert "".join(p.text for p in word_diff(old, new) if p.kind != "deleted") == new
