"""The demo draft of `manage.py seed_demo`: a draft resolution put out for comment in a dialogue."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase

from consultation import services, versions
from consultation.models import Commenter, Draft
from dialogue.services import join_event
from events.models import Event, User

SAMPLES = Path(__file__).resolve().parent / "samples"

DRAFT_TITLE = (
    "Dự thảo Nghị quyết quy định mức hỗ trợ người sử dụng đất khi Nhà nước thu hồi đất "
    "trên địa bàn tỉnh Bắc Ninh"
)

# A short but real-shaped draft: preamble, chapters, articles, clauses and points.
DRAFT_TEXT = (SAMPLES / "du-thao-nghi-quyet-ho-tro-thu-hoi-dat.txt").read_text(encoding="utf-8")

COMMENTS = (
    # (article number, clause number or "", nickname, text, outcome, reply or "")
    (
        "3",
        "1",
        "Nguyễn Văn Hùng",
        "Đề nghị nâng thời gian hỗ trợ lên 12 tháng cho hộ không phải di chuyển chỗ ở, vì "
        "người dân mất đất sản xuất cần nhiều thời gian để chuyển đổi sinh kế.",
        "approved",
        "Tiếp thu: dự thảo đã sửa điểm a khoản 1 thành 09 tháng, phù hợp khung của Nghị định "
        "88/2024/NĐ-CP.",
    ),
    (
        "3",
        "2",
        "Trần Thị Mai",
        "Giá gạo nên tính theo giá công bố hằng quý của Sở Tài chính để rõ ràng, tránh mỗi "
        "xã áp một giá.",
        "approved",
        "",
    ),
    (
        "4",
        "",
        "Phạm Quốc Khánh",
        "Mức 05 lần giá đất là mức tối đa của khung; đề nghị ghi rõ mức cụ thể để người dân "
        "biết mình được bao nhiêu.",
        "approved",
        "Giải trình: mức cụ thể do Ủy ban nhân dân tỉnh quyết định theo từng dự án trong khung "
        "này, để phù hợp với điều kiện của từng địa phương.",
    ),
    (
        "4",
        "2",
        "Lê Văn Tám",
        "Cho hỏi đất nhà tôi ở xã Lạc Vệ bao giờ được đền bù?",
        "rejected",
        "",
    ),
    ("5", "", "Đỗ Thị Lan", "Nên quy định thời hạn ban hành văn bản hướng dẫn.", "pending", ""),
)


def create_demo_draft(*, event: Event, organiser: User, moderator: User, official: User) -> Draft:
    """A draft for the live dialogue, with comments screened, supported and answered."""
    draft = services.create_draft(
        actor=organiser, agency=event.agency, event=event, title=DRAFT_TITLE, text=DRAFT_TEXT
    )
    draft = services.change_draft_status(actor=organiser, draft=draft, status=Draft.Status.OPEN)
    articles = {a.number: a for a in draft.articles.prefetch_related("clauses")}
    # Screen every comment, whatever the dialogue's own setting: the demo shows all outcomes.
    Event.objects.filter(pk=event.pk).update(moderation_mode=Event.Moderation.PRE)
    draft.event = Event.objects.get(pk=event.pk)
    people = []
    for number, clause, nickname, text, outcome, reply in COMMENTS:
        participant = join_event(
            event=event,
            user=AnonymousUser(),
            session=SessionBase(),
            nickname=nickname,
            consented=True,
        )
        who = Commenter(participant=participant, user=None)
        people.append(who)
        article = articles[number]
        clause_id = next((c.pk for c in article.clauses.all() if c.number == clause), None)
        comment = services.comment_on_article(
            draft=draft, who=who, article_id=article.pk, clause_id=clause_id, text=text
        )
        if outcome == "approved":
            services.approve_comment(actor=moderator, draft=draft, comment_id=comment.pk)
            for supporter in people[:-1]:
                services.support_comment(draft=draft, who=supporter, comment_id=comment.pk)
        elif outcome == "rejected":
            services.reject_comment(
                actor=moderator, draft=draft, comment_id=comment.pk, reason="personal_case"
            )
        if reply:
            disposition = "accepted" if reply.startswith("Tiếp thu") else "explained"
            services.reply_to_comment(
                actor=official,
                draft=draft,
                comment_id=comment.pk,
                body=reply,
                disposition=disposition,
            )
    _propose_and_revise(draft, people, articles, moderator, official, organiser)
    Event.objects.filter(pk=event.pk).update(moderation_mode=event.moderation_mode)
    return draft


# The proposal the demo's second version takes in, and that version's text.
PROPOSED = ("06 tháng nếu không phải di chuyển chỗ ở", "09 tháng nếu không phải di chuyển chỗ ở")
REVISED_TEXT = DRAFT_TEXT.replace("a) 06 tháng", "a) 09 tháng")


def _propose_and_revise(  # type: ignore[no-untyped-def]
    draft: Draft,
    people: list[Commenter],
    articles,
    moderator: User,
    official: User,
    organiser: User,
) -> None:
    """A proposal of new wording, accepted with changes; a reply in a thread; version 2."""
    article = articles["3"]
    clause = next(c for c in article.clauses.all() if c.number == "1")
    proposal = services.comment_on_article(
        draft=draft,
        who=people[1],
        article_id=article.pk,
        clause_id=clause.pk,
        text="Hộ không phải di chuyển vẫn mất sinh kế; 06 tháng là quá ngắn.",
        quote=PROPOSED[0],
        wording=PROPOSED[1],
    )
    first = draft.comments.filter(parent=None).order_by("pk").first()
    reply = services.comment_on_article(
        draft=draft,
        who=people[2],
        article_id=article.pk,
        clause_id=None,
        text="Đồng ý, ở xã tôi nhiều hộ mất gần hết đất canh tác.",
        parent_id=first.pk if first else None,
    )
    for comment in (proposal, reply):
        services.approve_comment(actor=moderator, draft=draft, comment_id=comment.pk)
    services.support_comment(draft=draft, who=people[0], comment_id=proposal.pk)
    services.reply_to_comment(
        actor=official,
        draft=draft,
        comment_id=proposal.pk,
        body="Tiếp thu có chỉnh sửa: nâng lên 09 tháng, mức cao nhất khung Nghị định "
        "88/2024/NĐ-CP cho phép.",
        disposition="partly",
    )
    versions.publish_version(
        actor=organiser,
        draft=draft,
        text=REVISED_TEXT,
        note="Điểm a khoản 1 Điều 3: nâng thời gian hỗ trợ từ 06 lên 09 tháng.",
    )


def delete_demo_drafts(*, agency_slugs: list[str]) -> None:
    """Delete the drafts of the demo agencies, with their comments."""
    Draft.objects.filter(agency__slug__in=agency_slugs).delete()
