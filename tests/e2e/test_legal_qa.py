"""The legal Q&A as a citizen uses it on a phone: from the home page to asking in two taps, a
receipt with a tracking code, and the question looked up by that code on another device."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from dialogue import services as dialogue_services
from dialogue.models import Question
from dialogue.selectors import follow_token
from events import services
from events.models import AgencyMembership, Event
from tests.e2e.browser import BrowserTestCase, in_thread
from tests.e2e.test_moderation import signed_in
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    ParticipantFactory,
    UserFactory,
    enable_totp,
)

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


class LegalQAStaffTests(BrowserTestCase):
    def test_the_agency_s_own_staff_screen_route_and_answer_while_the_asker_s_page_follows(
        self,
    ) -> None:
        standing = open_standing_qa("Sở Tư pháp tỉnh Bắc Ninh", "stp-bac-ninh")
        # Staff of the agency, never invited to this Q&A: one moderator, one official of land.
        moderator = UserFactory(display_name="Phạm Thu Hà")
        official = UserFactory(display_name="Nguyễn Đức Long")
        for user, role, field in ((moderator, "moderator", ""), (official, "official", "land")):
            AgencyMembership.objects.create(
                agency=standing.agency, user=user, role=role, legal_field=field
            )
            enable_totp(user)
        asker = ParticipantFactory(event=standing, nickname="Chị Lan")
        asked = in_thread(
            lambda: dialogue_services.ask_question(
                participant=asker,
                text="Đất không giấy tờ trước năm 2014 có được cấp sổ không?",
                client_id=uuid.uuid4(),
                legal_field="land",
            )
        )

        # The asker's private page, in a browser with no cookie of hers: it follows her question.
        phone = self.new_context(**PHONE_390).new_page()
        phone.goto(f"/e/{standing.slug}/mine/{follow_token(asker)}/")
        expect(phone.locator("#mine")).to_have_attribute("data-following", "yes")
        entry = phone.locator(f"#q{asked.pk}")
        expect(entry).to_have_attribute("data-status", "pending")

        # The agency's moderator publishes it; it goes to the official of land, with its date.
        console = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        console.goto(f"/e/{standing.slug}/moderate/")
        expect(console.locator("#connection")).to_have_attribute("data-state", "live")
        console.locator(f"#m{asked.pk} [data-action=approve]").click()
        expect(console.locator(f"#m{asked.pk} .card-meta")).to_contain_text("Nguyễn Đức Long")
        expect(entry).to_have_attribute("data-status", "approved")
        expect(entry.locator(".outcome.due")).to_be_visible()
        asked.refresh_from_db()
        assert (asked.routed_to, asked.answer_due_at is not None) == (official, True)

        # The agency's official answers in writing; the asker's page shows the answer.
        desk = signed_in(self.new_context(), official, self.live_server_url).new_page()
        desk.goto(f"/e/{standing.slug}/answer/")
        card = desk.locator(".card", has_text="Đất không giấy tờ")
        card.locator("textarea").fill("Theo Điều 137 Luật Đất đai 2024, hộ gia đình được cấp.")
        card.locator("button[value=publish]").click()
        expect(entry).to_have_attribute("data-status", "answered")
        expect(entry.locator(".answer-body")).to_contain_text("Theo Điều 137 Luật Đất đai 2024")
        assert phone.evaluate("performance.getEntriesByType('navigation').length") == 1
