"""The legal Q&A as a citizen uses it on a phone: from the home page to asking in two taps, a
receipt with a tracking code, and the question looked up by that code on another device."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from dialogue.models import Question
from events import services
from events.models import Event
from tests.e2e.browser import BrowserTestCase
from tests.factories import AgencyFactory, AgencyMembershipFactory

# A common phone's screen (an iPhone 12 to 15): the size the service is designed for.
PHONE_390 = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def open_standing_qa(name: str, slug: str) -> Event:
    agency = AgencyFactory(name=name, slug=slug)
    organiser = AgencyMembershipFactory(agency=agency).user
    return services.open_standing_qa(actor=organiser, agency=agency, answer_days=10)


def tap_to_ask(page: Page, standing: Event) -> None:
    """From the home page to the standing Q&A's ask form: two taps, each on what is in view."""
    page.goto("/")
    entry = page.locator(".main-nav a", has_text="Hỏi đáp pháp luật")
    expect(entry).to_be_in_viewport()
    entry.tap()  # 1
    expect(page).to_have_url(re.compile(r"/legal-qa/$"))
    ask = page.locator(".legal-qa-services .event-card", has_text=standing.agency.name).locator(
        "a.ask-link"
    )
    expect(ask).to_be_in_viewport()
    ask.tap()  # 2
    expect(page).to_have_url(re.compile(re.escape(standing.get_absolute_url()) + "#ask$"))
    expect(page.locator("#ask")).to_be_in_viewport()


class LegalQAPhoneTests(BrowserTestCase):
    def test_a_citizen_on_a_phone_reaches_the_ask_form_in_two_taps_from_the_home_page(
        self,
    ) -> None:
        open_standing_qa("Bộ Tư pháp", "bo-tu-phap")
        standing = open_standing_qa("Sở Tư pháp tỉnh Bắc Ninh", "stp-bac-ninh")
        page = self.new_context(**PHONE_390).new_page()
        tap_to_ask(page, standing)
        # Without an account, the form to ask starts with a nickname; nothing else in between.
        expect(page.get_by_label("Biệt danh của bạn")).to_be_visible()

    def test_a_citizen_asks_gets_a_code_and_looks_the_question_up_in_another_browser(
        self,
    ) -> None:
        standing = open_standing_qa("Sở Tư pháp tỉnh Bắc Ninh", "stp-bac-ninh")
        phone = self.new_context(**PHONE_390).new_page()
        tap_to_ask(phone, standing)
        phone.get_by_label("Biệt danh của bạn").fill("Chị Lan")
        phone.get_by_label("Email (không bắt buộc)").fill("lan@example.vn")
        phone.get_by_label("Số điện thoại (không bắt buộc)").fill("0912 345 678")
        phone.locator("input[name=consent]").check()
        phone.get_by_role("button", name="Tham gia").click()
        phone.get_by_label("Lĩnh vực pháp luật của câu hỏi").select_option("civil")
        phone.locator("#ask-form textarea").fill("Hợp đồng thuê nhà không công chứng có giá trị?")
        phone.locator("#ask-form button[type=submit]").click()

        # The receipt: the code in two groups, the date received and the date due.
        expect(phone.locator("h1")).to_have_text("Câu hỏi của bạn đã được tiếp nhận")
        code = phone.locator("#tracking-code").inner_text()
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code), code
        assert Question.objects.get().grouped_tracking_code == code
        expect(phone.locator("#due-at")).to_be_visible()

        # On another device, with no cookie of the first: the code, typed in lower case, and
        # the phone number given.
        other = self.new_context(**PHONE_390).new_page()
        other.goto("/legal-qa/")
        other.get_by_role("link", name="Tra cứu câu hỏi bằng mã tra cứu").tap()
        other.get_by_label("Mã tra cứu").fill(code.lower())
        other.get_by_label("Email hoặc số điện thoại bạn đã cung cấp").fill("+84 912 345 678")
        other.get_by_role("button", name="Tra cứu").tap()
        result = other.locator("#lookup-result")
        expect(result).to_contain_text("Hợp đồng thuê nhà không công chứng")
        expect(result.locator("#question-status")).to_have_text("Đang chờ duyệt")
        expect(result.locator("#tracking-code")).to_have_text(code)
        expect(result.locator("#due-at")).to_be_visible()
