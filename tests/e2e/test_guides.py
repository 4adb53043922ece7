"""The day-of-the-dialogue checklist prints on one A4 sheet, in both languages, without the
site's frame."""

from __future__ import annotations

import re

from tests.e2e.browser import DESKTOP, BrowserTestCase


class ChecklistPrintTests(BrowserTestCase):
    def printed_pages(self, language: str) -> int:
        context = self.new_context(**DESKTOP)
        page = context.new_page()
        if language == "en":
            page.goto("/")
            page.get_by_role("button", name="English").click()
        page.goto("/guide/checklist/")
        page.emulate_media(media="print")
        assert page.locator(".site-header").is_hidden()
        assert page.locator(".site-footer").is_hidden()
        pdf = page.pdf(prefer_css_page_size=True, print_background=False)
        context.close()
        return len(re.findall(rb"/Type\s*/Page\b", pdf))

    def test_the_checklist_prints_on_one_a4_sheet_in_vietnamese(self) -> None:
        assert self.printed_pages("vi") == 1

    def test_the_checklist_prints_on_one_a4_sheet_in_english(self) -> None:
        assert self.printed_pages("en") == 1
