"""Consultation on a draft in a real browser: comment, moderate, reply, summary and its export."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from consultation import services
from consultation.demo import DRAFT_TEXT
from consultation.models import Comment, Draft
from events.models import AgencyMembership, Event, EventRole, User
from moderation.models import ModerationLog
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.browser import PHONE, PHONE_390, BrowserTestCase, select_words
from tests.e2e.test_moderation import signed_in
from tests.factories import EventFactory, UserFactory, enable_totp

COMMENT = "Đề nghị nâng thời gian hỗ trợ lên 12 tháng cho hộ không phải di chuyển chỗ ở."
RESPONSE = "Tiếp thu: dự thảo đã sửa điểm a khoản 1 thành 09 tháng."


def open_draft() -> tuple[Draft, User]:
    """The demo draft, open for comments in a post-moderated dialogue open to nicknames, and
    the organiser who put it out (with two factors, for the staff pages)."""
    event = EventFactory(moderation_mode=Event.Moderation.POST, allow_anonymous=True)
    organiser = UserFactory(display_name="Trần Văn Tổ Chức")
    AgencyMembership.objects.create(agency=event.agency, user=organiser)
    enable_totp(organiser)
    draft = services.create_draft(
        actor=organiser, agency=event.agency, event=event, title="Dự thảo", text=DRAFT_TEXT
    )
    return services.change_draft_status(actor=organiser, draft=draft, status="open"), organiser


class ConsultationTests(BrowserTestCase):
    def test_a_comment_is_moderated_answered_summarised_and_exported(self) -> None:
        event = EventFactory(
            slug="doi-thoai-ho-tro-thu-hoi-dat",
            moderation_mode=Event.Moderation.PRE,
            allow_anonymous=True,
        )
        organiser = UserFactory(display_name="Trần Văn Tổ Chức")
        AgencyMembership.objects.create(agency=event.agency, user=organiser)
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        official = UserFactory(display_name="Nguyễn Đức Long")
        EventRole.objects.create(event=event, user=official, role=EventRole.Role.OFFICIAL)
        for person in (organiser, moderator, official):
            enable_totp(person)
        draft = services.create_draft(
            actor=organiser,
            agency=event.agency,
            event=event,
            title="Dự thảo Nghị quyết hỗ trợ khi thu hồi đất",
            text=DRAFT_TEXT,
        )
        draft = services.change_draft_status(actor=organiser, draft=draft, status="open")
        article = draft.articles.get(number="3")
        clause = article.clauses.get(number="1")

        # A citizen with a nickname comments on clause 1 of article 3, from a phone.
        citizen = self.new_context(**PHONE).new_page()
        citizen.goto(draft.get_absolute_url())
        citizen.fill("input[name=nickname]", "Chị Lan")
        citizen.check("input[name=consent]")
        citizen.locator(".join-form button").click()
        box = citizen.locator(f"#article-{article.pk} .comment-box")
        box.locator("summary").click()
        box.locator("select[name=clause]").select_option(str(clause.pk))
        box.locator("textarea[name=text]").fill(COMMENT)
        box.locator("button[type=submit]").click()
        expect(citizen.locator(".flash")).to_contain_text("Đã gửi ý kiến của bạn")
        expect(citizen.locator("#own-comments")).to_contain_text("Đang chờ duyệt")
        comment = Comment.objects.get()
        assert (comment.clause, comment.status) == (clause, "pending")

        # The moderator approves it.
        screening = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        screening.goto(f"/consultation/manage/drafts/{draft.pk}/")
        card = screening.locator(f"#comment-{comment.pk}")
        expect(card).to_contain_text(COMMENT)
        expect(card).to_contain_text("Khoản 1 Điều 3")
        card.locator("form[action$='/approve/'] button").click()
        expect(screening.locator(".flash")).to_contain_text("Đã công bố ý kiến")
        expect(screening.locator(f"#comment-{comment.pk}")).to_have_count(0)

        # An official answers it: accepted into the draft.
        answering = signed_in(self.new_context(), official, self.live_server_url).new_page()
        answering.goto(f"/consultation/manage/drafts/{draft.pk}/?status=approved")
        form = answering.locator(f"#comment-{comment.pk} .reply-form")
        form.locator("select[name=disposition]").select_option("accepted")
        form.locator("textarea[name=body]").fill(RESPONSE)
        form.locator("button").click()
        expect(answering.locator(".flash")).to_contain_text("Đã lưu ý kiến tiếp thu, giải trình")

        # The citizen sees the comment, under its article, with the answer.
        citizen.reload()
        published = citizen.locator(f"#article-{article.pk} #comment-{comment.pk}")
        expect(published).to_contain_text(COMMENT)
        expect(published).to_contain_text(RESPONSE)
        expect(citizen.locator(f"#article-{article.pk} h3")).to_contain_text("1 ý kiến")

        # The organiser publishes the summary and downloads it as a spreadsheet.
        summary = signed_in(self.new_context(), organiser, self.live_server_url).new_page()
        summary.goto(f"/consultation/{draft.pk}/summary/")
        summary.fill("#publish-summary textarea", "Sở Tư pháp nhận được 1 ý kiến.")
        summary.locator("#publish-summary button").click()
        expect(summary.locator(".flash")).to_contain_text("Đã công bố bản tổng hợp")
        expect(summary.locator("#summary-table")).to_contain_text(COMMENT)
        with summary.expect_download() as download:
            summary.locator(f"a[href='/consultation/{draft.pk}/summary.xlsx']").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
        rows = list(sheet.iter_rows(min_row=3, values_only=True))
        assert rows == [
            (
                1,
                "Khoản 1 Điều 3",
                article.title,
                COMMENT,
                None,  # not a proposal: no words to change
                None,
                "Chị Lan",
                0,
                "Tiếp thu",
                RESPONSE,
                None,  # in no version yet
            )
        ]
        draft.refresh_from_db()
        assert draft.status == Draft.Status.CLOSED
        assert list(
            ModerationLog.objects.filter(comment=comment).values_list("action", flat=True)
        ) == ["answer", "approve"]
        # Anyone may now read the summary, without an account.
        public = self.new_context().new_page()
        public.goto(f"/consultation/{draft.pk}/summary/")
        expect(public.locator("#summary-table")).to_contain_text(RESPONSE)


class SupportOnAPhoneTests(BrowserTestCase):
    def test_support_is_idempotent_withdrawing_is_its_own_button_and_the_page_passes_axe(
        self,
    ) -> None:
        draft, _organiser = open_draft()
        article = draft.articles.get(number="3")
        page = self.new_context(**PHONE_390).new_page()
        page.goto(draft.get_absolute_url())
        # The consent speaks of comments on this page.
        expect(page.locator("#consent-notice")).to_contain_text("ý kiến góp ý")
        expect(page.locator("#consent-notice")).not_to_contain_text("câu hỏi")
        page.fill("input[name=nickname]", "Chị Lan")
        page.check("input[name=consent]")
        page.locator(".join-form button").click()
        box = page.locator(f"#article-{article.pk} .comment-box")
        box.locator("summary").click()
        field = box.locator("textarea[name=text]")
        field.fill("x" * 2100)
        expect(box.locator(".counter")).to_have_attribute("data-level", "over")
        expect(box.locator("button[type=submit]")).to_be_disabled()
        field.fill(COMMENT)
        box.locator("button[type=submit]").click()
        comment = page.locator(".comment", has_text=COMMENT)
        support = comment.locator(".vote-button")

        support.click()
        expect(support).to_have_attribute("aria-pressed", "true")
        expect(comment.locator(".vote-count")).to_have_text("1")
        page.locator(".comment", has_text=COMMENT).locator(".vote-button").click()
        expect(comment.locator(".vote-count")).to_have_text("1")  # a second tap changes nothing
        expect(support).to_have_attribute("aria-pressed", "true")
        assert Comment.objects.get().support_count == 1
        violations = axe_violations(page)
        assert not violations, describe(violations)

        comment.get_by_role("button", name="Rút lại ủng hộ").click()
        expect(comment.locator(".vote-count")).to_have_text("0")
        expect(support).to_have_attribute("aria-pressed", "false")
        expect(comment.get_by_role("button", name="Rút lại ủng hộ")).to_have_count(0)


PROPOSED = "09 tháng nếu không phải di chuyển chỗ ở"
REASON = "Sáu tháng không đủ để chuyển đổi sinh kế."


class ProposalsOnAPhoneTests(BrowserTestCase):
    def test_words_selected_on_a_phone_become_a_proposal_answered_and_taken_into_a_new_version(
        self,
    ) -> None:
        draft, organiser = open_draft()
        article = draft.articles.get(number="3")
        clause = article.clauses.get(number="1")

        # A citizen on a 390×844 phone selects words of clause 1 and proposes new wording.
        page = self.new_context(**PHONE_390).new_page()
        page.goto(draft.get_absolute_url())
        page.fill("input[name=nickname]", "Chị Lan")
        page.check("input[name=consent]")
        page.locator(".join-form button").click()
        button = page.locator("#propose-selection")
        # The joined page, its script listening (a selection made before would show nothing).
        expect(button).to_have_attribute("data-ready", "true")
        expect(button).to_be_hidden()
        select_words(page, f"#clause-{clause.pk}", "06 tháng nếu không phải di chuyển chỗ ở")
        expect(button).to_be_visible()
        button.tap()
        box = page.locator(f"#propose-{article.pk}")
        expect(box).to_have_attribute("open", "")
        expect(box.locator("select[name=clause]")).to_have_value(str(clause.pk))
        expect(box.locator("textarea[name=quote]")).to_have_value(
            "06 tháng nếu không phải di chuyển chỗ ở"
        )
        box.locator("textarea[name=wording]").fill(PROPOSED)
        box.locator("textarea[name=text]").fill(REASON)
        box.locator("button[type=submit]").click()
        expect(page.locator(".flash")).to_contain_text("Ý kiến của bạn đã được đăng")
        shown = page.locator(f"#article-{article.pk} .comment", has_text=REASON)
        expect(shown.locator(".proposal del")).to_have_text(
            "06 tháng nếu không phải di chuyển chỗ ở"
        )
        expect(shown.locator(".proposal ins")).to_have_text(PROPOSED)
        proposal = Comment.objects.get()
        assert (proposal.clause, proposal.quote, proposal.wording) == (
            clause,
            "06 tháng nếu không phải di chuyển chỗ ở",
            PROPOSED,
        )
        violations = axe_violations(page)
        assert not violations, describe(violations)

        # The organiser accepts it with changes, then publishes version 2 from the staff page.
        staff = signed_in(self.new_context(), organiser, self.live_server_url).new_page()
        staff.goto(f"/consultation/manage/drafts/{draft.pk}/?status=approved")
        form = staff.locator(f"#comment-{proposal.pk} .reply-form")
        form.locator("select[name=disposition]").select_option("partly")
        form.locator("textarea[name=body]").fill("Tiếp thu có chỉnh sửa: 09 tháng.")
        form.locator("button").click()
        expect(staff.locator(".flash")).to_contain_text("Đã lưu ý kiến tiếp thu, giải trình")
        staff.locator("#new-version summary").click()
        staff.locator("#new-version textarea[name=text]").fill(
            DRAFT_TEXT.replace("a) 06 tháng", "a) 09 tháng")
        )
        staff.locator("#new-version textarea[name=note]").fill("Sửa điểm a khoản 1 Điều 3.")
        staff.locator("#new-version button").click()
        expect(staff.locator(".flash")).to_contain_text("Đã công bố phiên bản 2")

        # Anyone reads what changed, word by word, with the proposal it came from.
        reader = self.new_context(**PHONE_390).new_page()
        reader.goto(f"/consultation/{draft.pk}/versions/2/")
        change = reader.locator(f"#change-{article.pk}")
        expect(change.locator(".diff del")).to_have_text("06 ")
        expect(change.locator(".diff ins")).to_have_text("09 ")
        expect(change.locator(f"#proposal-{proposal.pk}")).to_contain_text("Chị Lan")
        expect(reader.locator("section.draft-article")).to_have_count(1)
        violations = axe_violations(reader)
        assert not violations, describe(violations)
        reader.goto(draft.get_absolute_url())
        expect(reader.locator(f"#clause-{clause.pk}")).to_contain_text("a) 09 tháng")

        # The response table has the proposal, its outcome and its version.
        staff.goto(f"/consultation/{draft.pk}/summary/")
        row = staff.locator("#summary-table tbody tr", has_text=REASON)
        expect(row.locator("del")).to_have_text("06 tháng nếu không phải di chuyển chỗ ở")
        expect(row.locator("ins")).to_have_text(PROPOSED)
        expect(row).to_contain_text("Tiếp thu một phần")
        expect(row.locator("td").last).to_have_text("2")


class LiveDraftTests(BrowserTestCase):
    def test_comments_supports_and_responses_reach_an_open_page_without_a_reload(self) -> None:
        draft, organiser = open_draft()
        article = draft.articles.get(number="3")
        reader = self.new_context(**PHONE_390).new_page()
        reader.goto(draft.get_absolute_url())
        expect(reader.locator("#draft")).to_have_attribute("data-connection", "live")

        writer = self.new_context(**PHONE_390).new_page()
        writer.goto(draft.get_absolute_url())
        writer.fill("input[name=nickname]", "Anh Tuấn")
        writer.check("input[name=consent]")
        writer.locator(".join-form button").click()
        box = writer.locator(f"#article-{article.pk} .comment-box")
        box.locator("summary").click()
        box.locator("textarea[name=text]").fill(COMMENT)
        box.locator("button[type=submit]").click()

        shown = reader.locator(f"#comments-{article.pk} .comment", has_text=COMMENT)
        expect(shown).to_be_visible()
        expect(reader.locator(f"#article-{article.pk} h3 .count")).to_contain_text("1 ý kiến")
        writer.locator(".comment", has_text=COMMENT).locator(".vote-button").click()
        expect(shown.locator(".vote-count")).to_have_text("1")
        comment = Comment.objects.get()
        staff = signed_in(self.new_context(), organiser, self.live_server_url).new_page()
        staff.goto(f"/consultation/manage/drafts/{draft.pk}/?status=approved")
        form = staff.locator(f"#comment-{comment.pk} .reply-form")
        form.locator("select[name=disposition]").select_option("accepted")
        form.locator("textarea[name=body]").fill(RESPONSE)
        form.locator("button").click()
        expect(reader.locator(f"#comment-{comment.pk} .comment-reply")).to_contain_text(RESPONSE)
