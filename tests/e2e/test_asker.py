"""A citizen without an account: consent recorded on joining, the private link to their
questions opened in another browser, and their data erased from it."""

from __future__ import annotations

from playwright.sync_api import expect

from dialogue.models import Participant, Question
from events.models import Event
from tests.e2e.browser import DESKTOP, PHONE, BrowserTestCase
from tests.e2e.test_live_event import join
from tests.factories import EventFactory, QuestionFactory


class AskerTests(BrowserTestCase):
    def test_consent_is_recorded_and_a_nickname_participant_erases_their_data(self) -> None:
        event = EventFactory(moderation_mode=Event.Moderation.PRE, status=Event.Status.LIVE)
        phone = self.new_context(**PHONE).new_page()

        # Joining without ticking the consent box is refused by the browser and the server.
        phone.goto(event.get_absolute_url())
        expect(phone.locator("#consent-notice")).to_contain_text("Mục đích")
        expect(phone.locator("#consent-notice a")).to_have_attribute("href", "/privacy/")
        join(phone, event, "Chị Lan")
        participant = Participant.objects.get()
        assert participant.consented_at is not None
        assert participant.consent_version

        phone.get_by_label("Câu hỏi của bạn").fill("Hộ kinh doanh online có phải đăng ký thuế?")
        phone.get_by_role("button", name="Gửi câu hỏi").click()
        expect(phone.locator("#waiting-list")).to_contain_text("Hộ kinh doanh online")
        phone.reload()
        link = phone.locator("#follow-url").input_value()
        assert "/mine/" in link

        # Another phone, no account, no session: the link alone shows the question.
        other = self.new_context(**DESKTOP).new_page()
        other.goto(link)
        expect(other.locator(".mine-entry")).to_contain_text("Hộ kinh doanh online")
        expect(other.locator(".mine-entry .badge")).to_have_text("Đang chờ duyệt")

        # The page sends no Referer, and its forms still work: renewing the link ends the old
        # one; the language switch comes back to the page.
        other.get_by_role("button", name="Tạo đường dẫn mới").click()
        expect(other.locator(".flash").first).to_contain_text("đã được thay mới")
        renewed = other.url
        assert renewed != link
        assert "/mine/" in renewed
        assert other.request.get(link).status == 404
        other.get_by_role("button", name="English").click()
        expect(other.locator("h1")).to_have_text("Your questions")
        assert other.url == renewed
        other.get_by_role("button", name="Tiếng Việt").click()
        expect(other.locator("h1")).to_have_text("Câu hỏi của bạn")

        other.get_by_label("Tôi hiểu: xoá dữ liệu của tôi khỏi cuộc đối thoại này.").check()
        other.get_by_role("button", name="Xoá dữ liệu của tôi").click()
        expect(other.locator(".flash").first).to_contain_text("Dữ liệu của bạn đã được xóa")
        # A tombstone stays for the dialogue's figures, without a word of the question.
        tombstone = Question.objects.get()
        assert (tombstone.text, tombstone.erased_at is not None) == ("", True)
        participant.refresh_from_db()
        assert participant.erased_at is not None
        assert participant.nickname == ""

        # The first phone's page no longer takes part: it is offered the join form again.
        phone.reload()
        expect(phone.get_by_label("Biệt danh của bạn")).to_be_visible()

    def test_similar_questions_are_suggested_while_typing(self) -> None:
        event = EventFactory(status=Event.Status.LIVE)
        QuestionFactory(event=event, text="Đất nông nghiệp có được tách thửa không?")
        phone = self.new_context(**PHONE).new_page()
        join(phone, event, "Anh Bình")
        suggestions = phone.locator("#similar")
        expect(suggestions).to_be_hidden()
        phone.get_by_label("Câu hỏi của bạn").press_sequentially("tach thua dat nong nghiep")
        expect(suggestions).to_be_visible()
        expect(suggestions.locator("li")).to_have_count(1)
        expect(suggestions).to_contain_text("Đất nông nghiệp có được tách thửa không?")
        suggestions.locator("a").click()
        expect(phone.locator(".question", has_text="tách thửa").first).to_be_in_viewport()

    def test_articles_of_the_law_are_suggested_while_typing(self) -> None:
        from law.demo import create_demo_library
        from law.matching import library_changed

        create_demo_library()
        library_changed()
        event = EventFactory(status=Event.Status.LIVE, legal_field=Event.LegalField.CIVIL)
        phone = self.new_context(**PHONE).new_page()
        join(phone, event, "Anh Bình")
        articles = phone.locator("#similar .similar-articles")
        expect(articles).to_be_hidden()
        phone.get_by_label("Câu hỏi của bạn").press_sequentially(
            "bo toi mat khong de lai di chuc thi ai duoc chia"
        )
        expect(articles).to_be_visible()
        expect(articles.locator("li").first).to_contain_text("Bộ luật Dân sự, Điều 6")
        expect(phone.locator("#similar .similar-questions")).to_be_hidden()
        href = articles.locator("a").first.get_attribute("href") or ""
        assert href.startswith("/law/bo-luat-dan-su-2015/dieu-6")
