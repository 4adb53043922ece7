"""The consultation pages for each persona, without JavaScript: plain GET and POST."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from consultation import services
from consultation.demo import DRAFT_TEXT
from consultation.exports import safe_cell
from consultation.models import Comment, Draft, Reply, Support
from dialogue.forms import join_token
from events.models import Event
from moderation.models import ModerationLog
from tests.factories import enable_totp

pytestmark = pytest.mark.django_db


def staff(client, user):  # type: ignore[no-untyped-def]
    enable_totp(user)
    client.force_login(user)
    return client


def first_clause_of(draft: Draft, number: str) -> tuple[int, int]:
    article = draft.articles.get(number=number)
    return article.pk, article.clauses.first().pk


def test_a_nickname_citizen_joins_and_comments_on_a_clause(client, draft):
    page = client.get(draft.get_absolute_url())
    assert page.status_code == 200
    assert "Điều 3" in page.content.decode()

    joined = client.post(
        reverse("consultation:join", args=[draft.pk]),
        {"nickname": "Chị Lan", "consent": "on", "join_token": join_token(draft.event_id)},
    )
    assert joined.status_code == 302
    article_id, clause_id = first_clause_of(draft, "3")
    sent = client.post(
        reverse("consultation:comment", args=[draft.pk]),
        {"article": article_id, "clause": clause_id, "text": "Đề nghị nâng lên 12 tháng."},
    )

    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"#article-{article_id}")
    mine = Comment.objects.get()
    assert (mine.clause_id, mine.participant.nickname, mine.status) == (
        clause_id,
        "Chị Lan",
        "pending",
    )
    assert "Đề nghị nâng lên 12 tháng." in client.get(draft.get_absolute_url()).content.decode()


def test_an_anonymous_visitor_must_join_before_commenting(client, draft):
    article_id, _ = first_clause_of(draft, "3")
    refused = client.post(
        reverse("consultation:comment", args=[draft.pk]), {"article": article_id, "text": "Ý kiến"}
    )
    assert refused.status_code == 400
    assert not Comment.objects.exists()


def test_a_signed_in_citizen_comments_without_a_nickname(client, draft, citizen):
    client.force_login(citizen)
    article_id, _ = first_clause_of(draft, "4")
    sent = client.post(
        reverse("consultation:comment", args=[draft.pk]), {"article": article_id, "text": "Góp ý"}
    )
    assert sent.status_code == 302
    assert Comment.objects.get().participant.user == citizen


def test_bad_input_is_refused_and_changes_nothing(client, draft, citizen):
    client.force_login(citizen)
    url = reverse("consultation:comment", args=[draft.pk])
    article_id, _ = first_clause_of(draft, "3")
    for data in (
        {"article": article_id, "text": ""},
        {"article": "x", "text": "Góp ý"},
        {"article": article_id, "clause": "abc", "text": "Góp ý"},
        {"article": article_id, "text": "x" * 2001},
        {"article": 999999, "text": "Góp ý"},
    ):
        assert client.post(url, data).status_code == 400, data
    assert not Comment.objects.exists()


def test_a_proposal_by_a_plain_form_and_its_bad_inputs(client, draft, citizen):
    client.force_login(citizen)
    url = reverse("consultation:comment", args=[draft.pk])
    article_id, clause_id = first_clause_of(draft, "3")
    for data in (
        {
            "article": article_id,
            "clause": clause_id,
            "quote": "không có trong khoản",
            "wording": "x",
        },
        {"article": article_id, "clause": clause_id, "quote": "06 tháng", "wording": "06 tháng"},
        {"article": article_id, "clause": clause_id, "quote": "06 tháng", "wording": "x" * 2001},
        {"article": article_id, "clause": clause_id, "quote": "06 tháng\x00", "wording": "09"},
        {"article": article_id, "parent": 999999, "text": "Trả lời"},
    ):
        refused = client.post(url, data)
        assert refused.status_code == 400, data
        assert refused.context["comment_form"].errors, data
    assert not Comment.objects.exists()
    refused = client.post(
        url, {"article": article_id, "clause": clause_id, "quote": "12 tháng nếu không"}
    )
    assert "không có trong nội dung Khoản 1 Điều 3" in refused.content.decode()

    sent = client.post(
        url,
        {"article": article_id, "clause": clause_id, "quote": "06 tháng", "wording": "09 tháng"},
    )
    assert sent.status_code == 302
    proposal = Comment.objects.get()
    assert (proposal.quote, proposal.wording, proposal.text) == ("06 tháng", "09 tháng", "")
    page = client.get(draft.get_absolute_url()).content.decode()
    assert f'id="propose-{article_id}"' in page  # the form that works without the script
    assert 'data-socket="/ws/consultation/' in page


def test_an_articles_comments_alone_for_the_live_page(client, draft, citizen, moderator):
    article_id, _ = first_clause_of(draft, "3")
    comment = services.comment_on_article(
        draft=draft,
        who=_joined(draft, citizen),
        article_id=article_id,
        clause_id=None,
        text="Góp ý được công bố",
    )
    services.approve_comment(actor=moderator, draft=draft, comment_id=comment.pk)
    fragment = client.get(reverse("consultation:comments", args=[draft.pk, article_id]))

    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.startswith(f'<div class="article-comments" id="comments-{article_id}"')
    assert "Góp ý được công bố" in body
    assert "1 ý kiến" in body  # the heading's count, for the page to put back
    missing = client.get(reverse("consultation:comments", args=[draft.pk, 999999]))
    assert missing.status_code == 404


def _joined(draft, user):  # type: ignore[no-untyped-def]
    from consultation.models import Commenter
    from dialogue.models import Participant

    return Commenter(
        participant=Participant.objects.create(event=draft.event, user=user), user=user
    )


def test_a_standing_draft_asks_visitors_to_sign_in(client, organiser, event):
    standing = services.create_draft(
        actor=organiser, agency=event.agency, title="Thường xuyên", text=DRAFT_TEXT
    )
    services.change_draft_status(actor=organiser, draft=standing, status="open")
    page = client.get(standing.get_absolute_url()).content.decode()
    assert reverse("account_login") in page
    joined = client.post(reverse("consultation:join", args=[standing.pk]), {"nickname": "Lan"})
    assert joined.status_code == 400


def test_a_draft_being_prepared_is_hidden_from_the_public(client, citizen, organiser, event):
    prepared = services.create_draft(
        actor=organiser, agency=event.agency, event=event, title="Nháp", text=DRAFT_TEXT
    )
    assert client.get(prepared.get_absolute_url()).status_code == 404
    client.force_login(citizen)
    assert client.get(prepared.get_absolute_url()).status_code == 404
    staff(client, organiser)
    assert client.get(prepared.get_absolute_url()).status_code == 200


def test_the_consent_on_a_draft_speaks_of_comments_and_on_a_dialogue_of_questions(client, draft):
    with translation.override("vi"):
        about_comments = gettext(
            "I have read the personal data notice and agree to my nickname and comments "
            "being used in this consultation on the draft."
        )
    on_draft = client.get(draft.get_absolute_url()).content.decode()
    on_event = client.get(draft.event.get_absolute_url()).content.decode()
    notice = re.compile(r'id="consent-notice">(.*?)<a', re.S)
    draft_notice = notice.search(on_draft)
    event_notice = notice.search(on_event)
    assert draft_notice is not None
    assert event_notice is not None
    assert "góp ý" in draft_notice.group(1)
    assert "câu hỏi" not in draft_notice.group(1)
    assert "câu hỏi" in event_notice.group(1)
    assert about_comments in on_draft
    assert about_comments not in on_event


def test_supporting_twice_counts_once(client, draft, citizen, moderator):
    Event.objects.filter(pk=draft.event_id).update(moderation_mode="post")
    draft.refresh_from_db()
    client.force_login(citizen)
    article_id, _ = first_clause_of(draft, "3")
    client.post(
        reverse("consultation:comment", args=[draft.pk]), {"article": article_id, "text": "Góp ý"}
    )
    published = Comment.objects.get()
    url = reverse("consultation:support", args=[draft.pk, published.pk])
    client.post(url)
    client.post(url)
    published.refresh_from_db()
    assert published.support_count == 1
    # A second tap on "support", even one that says "withdraw", changes nothing.
    client.post(url, {"action": "withdraw"})
    published.refresh_from_db()
    assert published.support_count == 1
    assert Support.objects.count() == 1


def test_withdrawing_support_is_its_own_labelled_action(client, draft, citizen):
    Event.objects.filter(pk=draft.event_id).update(moderation_mode="post")
    draft.refresh_from_db()
    client.force_login(citizen)
    article_id, _ = first_clause_of(draft, "3")
    client.post(
        reverse("consultation:comment", args=[draft.pk]), {"article": article_id, "text": "Góp ý"}
    )
    published = Comment.objects.get()
    withdraw = reverse("consultation:withdraw_support", args=[draft.pk, published.pk])
    before = client.get(draft.get_absolute_url()).content.decode()
    assert withdraw not in before  # nothing to withdraw yet

    client.post(reverse("consultation:support", args=[draft.pk, published.pk]))
    page = client.get(draft.get_absolute_url()).content.decode()
    with translation.override("vi"):
        label = gettext("Withdraw my support")
    assert f'action="{withdraw}"' in page
    assert f">{label}</button>" in page

    client.post(withdraw)
    client.post(withdraw)  # withdrawing again changes nothing either
    published.refresh_from_db()
    assert published.support_count == 0
    assert not Support.objects.exists()
    assert client.get(withdraw).status_code == 405


def test_the_moderator_screens_and_the_official_replies(
    client, draft, nickname, moderator, official
):
    article_id, _ = first_clause_of(draft, "3")
    pending = services.comment_on_article(
        draft=draft, who=nickname, article_id=article_id, clause_id=None, text="Góp ý điều 3"
    )
    review = reverse("consultation_staff:review", args=[draft.pk])

    staff(client, moderator)
    listing = client.get(review)
    assert listing.status_code == 200
    assert "Góp ý điều 3" in listing.content.decode()
    approved = client.post(reverse("consultation_staff:approve", args=[draft.pk, pending.pk]))
    assert approved.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved"
    # A moderator does not answer for the agency.
    refused = client.post(
        reverse("consultation_staff:reply", args=[draft.pk, pending.pk]),
        {"disposition": "accepted", "body": "Tiếp thu"},
    )
    assert refused.status_code == 403

    staff(client, official)
    assert "Góp ý điều 3" in client.get(f"{review}?status=approved").content.decode()
    replied = client.post(
        reverse("consultation_staff:reply", args=[draft.pk, pending.pk]),
        {"disposition": "accepted", "body": "Tiếp thu, đã sửa."},
    )
    assert replied.status_code == 302
    assert Reply.objects.get().body == "Tiếp thu, đã sửa."
    assert (
        client.post(reverse("consultation_staff:approve", args=[draft.pk, pending.pk])).status_code
        == 403
    )
    assert list(ModerationLog.objects.values_list("action", flat=True).order_by("pk")) == [
        "approve",
        "answer",
    ]
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Tiếp thu, đã sửa." in page


def test_a_rejection_without_a_reason_from_the_list_changes_nothing(
    client, draft, nickname, moderator
):
    article_id, _ = first_clause_of(draft, "3")
    pending = services.comment_on_article(
        draft=draft, who=nickname, article_id=article_id, clause_id=None, text="Quảng cáo"
    )
    staff(client, moderator)
    url = reverse("consultation_staff:reject", args=[draft.pk, pending.pk])
    client.post(url, {"reason": "nonsense"})
    pending.refresh_from_db()
    assert pending.status == "pending"
    client.post(url, {"reason": "advertising", "note": "Quảng cáo"})
    pending.refresh_from_db()
    assert (pending.status, pending.rejection_reason) == ("rejected", "advertising")


def test_outsiders_and_citizens_are_refused_the_staff_pages(client, draft, citizen, outsider):
    review = reverse("consultation_staff:review", args=[draft.pk])
    assert client.get(review).status_code == 302  # to the sign-in page
    for person in (citizen, outsider):
        client.force_login(person)
        assert client.get(review).status_code == 403
        create = reverse("consultation_staff:create", args=[draft.agency.slug])
        assert client.get(create).status_code == 403


def test_an_organiser_uploads_a_draft_as_a_text_file(client, event, organiser):
    staff(client, organiser)
    upload = SimpleUploadedFile("du-thao.txt", DRAFT_TEXT.encode("utf-8-sig"), "text/plain")
    created = client.post(
        reverse("consultation_staff:create", args=[event.agency.slug]),
        {"title": "Dự thảo tải lên", "event": event.pk, "upload": upload},
    )
    assert created.status_code == 302
    draft = Draft.objects.get()
    assert (draft.event, draft.articles.count()) == (event, 5)
    assert draft.preamble.startswith("HỘI ĐỒNG")  # the byte order mark is dropped


def test_a_text_without_articles_is_refused_with_a_clear_error(client, event, organiser):
    staff(client, organiser)
    refused = client.post(
        reverse("consultation_staff:create", args=[event.agency.slug]),
        {"title": "Dự thảo", "text": "Không có điều nào."},
    )
    assert refused.status_code == 400
    assert "Điều 1." in refused.content.decode()
    assert not Draft.objects.exists()


def test_the_organiser_opens_closes_and_publishes_the_summary(client, draft, organiser, citizen):
    summary = reverse("consultation:summary", args=[draft.pk])
    assert client.get(summary).status_code == 404
    staff(client, organiser)
    client.post(reverse("consultation_staff:status", args=[draft.pk]), {"status": "closed"})
    draft.refresh_from_db()
    assert draft.status == "closed"
    published = client.post(
        reverse("consultation_staff:publish_summary", args=[draft.pk]), {"note": "Tổng hợp"}
    )
    assert published.status_code == 302
    client.logout()
    assert client.get(summary).status_code == 200


def _summary_with_a_formula(draft, nickname, moderator, official, organiser) -> Comment:  # type: ignore[no-untyped-def]
    article_id, clause_id = first_clause_of(draft, "3")
    tricky = services.comment_on_article(
        draft=draft,
        who=nickname,
        article_id=article_id,
        clause_id=clause_id,
        text='=HYPERLINK("http://example.com","Bấm vào đây")',
    )
    services.approve_comment(actor=moderator, draft=draft, comment_id=tricky.pk)
    services.reply_to_comment(
        actor=official,
        draft=draft,
        comment_id=tricky.pk,
        body="-Giải trình: giữ như dự thảo.",
        disposition="explained",
    )
    services.publish_summary(actor=organiser, draft=draft)
    return tricky


def test_the_csv_export_parses_back_with_formulas_defused(
    client, draft, nickname, moderator, official, organiser
):
    _summary_with_a_formula(draft, nickname, moderator, official, organiser)
    response = client.get(reverse("consultation:summary_csv", args=[draft.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][1] == "Khoản 1 Điều 3"
    assert rows[1][3] == '\'=HYPERLINK("http://example.com","Bấm vào đây")'
    assert rows[1][4:6] == ["", ""]  # not a proposal
    assert rows[1][8:] == ["Giải trình", "'-Giải trình: giữ như dự thảo.", ""]


def test_the_xlsx_export_parses_back(client, draft, nickname, moderator, official, organiser):
    _summary_with_a_formula(draft, nickname, moderator, official, organiser)
    response = client.get(reverse("consultation:summary_xlsx", args=[draft.pk]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "Dự thảo thử" in values[0][0]
    assert values[2][0] == 1
    assert values[2][3].startswith("'=HYPERLINK")
    assert sheet.cell(row=3, column=4).data_type == "s"  # a string, never a formula
    assert values[2][9] == "'-Giải trình: giữ như dự thảo."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Ý kiến", "Ý kiến"),
        (3, 3),
    ],
)
def test_cells_a_spreadsheet_would_evaluate_are_escaped(value, expected):
    assert safe_cell(value) == expected


def test_the_dialogues_audit_log_shows_the_comments_entries(client, draft, nickname, organiser):
    article_id, _ = first_clause_of(draft, "3")
    pending = services.comment_on_article(
        draft=draft, who=nickname, article_id=article_id, clause_id=None, text="Góp ý nhật ký"
    )
    services.reject_comment(actor=organiser, draft=draft, comment_id=pending.pk, reason="unclear")
    staff(client, organiser)
    page = client.get(reverse("moderation:log", args=[draft.event.slug])).content.decode()
    assert f"#{pending.pk}" in page
    assert "Góp ý nhật ký" in page


def test_a_refused_comment_keeps_what_the_citizen_wrote(client, draft, citizen):
    client.force_login(citizen)
    article_id, _ = first_clause_of(draft, "3")
    _, clause_elsewhere = first_clause_of(draft, "4")
    refused = client.post(
        reverse("consultation:comment", args=[draft.pk]),
        {"article": article_id, "clause": clause_elsewhere, "text": "Ý kiến dài đã viết"},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Điều này không có khoản đó." in page
    assert ">Ý kiến dài đã viết</textarea>" in page
    assert not Comment.objects.exists()


def test_the_export_is_named_after_the_draft_without_diacritics(client, draft, organiser):
    services.publish_summary(actor=organiser, draft=draft)
    response = client.get(reverse("consultation:summary_csv", args=[draft.pk]))
    assert 'filename="tong-hop-du-thao-thu.csv"' in response["Content-Disposition"]


def test_the_moderator_and_official_consoles_link_to_the_drafts_comments(
    client, draft, moderator, official
):
    review = reverse("consultation_staff:review", args=[draft.pk])
    staff(client, moderator)
    assert (
        review
        in client.get(reverse("moderation:console", args=[draft.event.slug])).content.decode()
    )
    staff(client, official)
    assert (
        review
        in client.get(reverse("moderation:official", args=[draft.event.slug])).content.decode()
    )
