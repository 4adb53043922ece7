"""Joining a dialogue by the code read off the hall's screen, typed on a phone's home page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser import PHONE, BrowserTestCase
from tests.factories import EventFactory


class JoinCodeTests(BrowserTestCase):
    def test_a_code_typed_loosely_on_the_home_page_opens_the_dialogue(self) -> None:
        event = EventFactory(title="Đối thoại về Luật Đất đai 2024")
        page = self.new_context(**PHONE).new_page()
        page.goto("/")
        page.get_by_label("Mã hiển thị trên màn hình hoặc trong thư mời").fill(
            f"{event.join_code[:3].lower()} {event.join_code[3:]}"
        )
        page.get_by_role("button", name="Vào").click()
        expect(page).to_have_url(f"{self.live_server_url}{event.get_absolute_url()}")
        expect(page.locator("h1")).to_have_text("Đối thoại về Luật Đất đai 2024")
        expect(page.locator(".join-code-value")).to_have_text(event.join_code)

        page.goto("/")
        page.get_by_label("Mã hiển thị trên màn hình hoặc trong thư mời").fill("ZZZ999")
        page.get_by_role("button", name="Vào").click()
        expect(page.locator("#join-code-error")).to_contain_text("ZZZ999")
