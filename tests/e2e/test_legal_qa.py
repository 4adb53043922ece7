"""The legal Q&A as a citizen finds it on a phone: from the home page to asking in two taps."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

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
