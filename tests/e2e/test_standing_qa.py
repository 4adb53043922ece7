"""The standing legal Q&A, end to end in the browser: a citizen asks in a legal field, the
moderator approves and routes, the official answers in writing and publishes, and anyone finds
the answer from the catalogue's search typed without diacritics."""

from __future__ import annotations

import re

from django.utils import translation
from playwright.sync_api import expect

from dialogue.models import Question
from events import services
from events.models import AgencyMembership, EventRole
from events.moments import format_day
from tests.e2e.browser import DESKTOP, PHONE, BrowserTestCase
from tests.e2e.test_live_event import join
from tests.e2e.test_moderation import signed_in
from tests.factories import AgencyFactory, UserFactory, enable_totp

QUESTION = "Hợp đồng đặt cọc mua đất viết tay có hiệu lực không?"


class StandingQATests(BrowserTestCase):
    def test_ask_moderate_route_answer_publish_and_find_without_diacritics(self) -> None:
        agency = AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", slug="so-tu-phap-bac-ninh")
        organiser, moderator, official = (
            UserFactory(display_name=name)
            for name in ("Ban Tổ chức", "Phạm Thu Hà", "Nguyễn Đức Long")
        )
        AgencyMembership.objects.create(agency=agency, user=organiser)
        standing = services.open_standing_qa(actor=organiser, agency=agency, answer_days=10)
        EventRole.objects.create(event=standing, user=moderator, role="moderator")
        EventRole.objects.create(event=standing, user=official, role="official")
        for person in (moderator, official):
            enable_totp(person)

        # The agency's page leads to it; a citizen asks, choosing the legal field.
        citizen = self.new_context(**PHONE).new_page()
        citizen.goto(agency.get_absolute_url())
        citizen.locator(".standing-qa a.button-link").click()
        expect(citizen).to_have_url(re.compile(standing.get_absolute_url()))
        join(citizen, standing, "Anh Tuấn")
        citizen.get_by_label("Lĩnh vực pháp luật của câu hỏi").select_option("civil")
        citizen.locator("#ask-form textarea").fill(QUESTION)
        citizen.locator("#ask-form button[type=submit]").click()
        # The receipt: the question, with its tracking code and due date.
        expect(citizen.locator("#receipt")).to_contain_text("đặt cọc")
        assert Question.objects.get().topic == "Dân sự"

        # The moderator approves it and routes it to the official.
        console = signed_in(self.new_context(**DESKTOP), moderator, self.live_server_url).new_page()
        console.goto(f"/e/{standing.slug}/moderate/")
        card = console.locator("[data-column=incoming] .card").first
        expect(card).to_contain_text("đặt cọc")
        question_id = card.get_attribute("data-id")
        console.locator(f"#m{question_id} [data-action=approve]").click()
        route = console.locator(f"#m{question_id} select.route")
        expect(route).to_be_visible()
        route.select_option(str(official.pk))
        expect(console.locator(f"#m{question_id} .card-meta")).to_contain_text("Nguyễn Đức Long")
        question = Question.objects.get()
        assert question.answer_due_at is not None

        # The official answers in writing and publishes.
        desk = signed_in(self.new_context(**DESKTOP), official, self.live_server_url).new_page()
        desk.goto(f"/e/{standing.slug}/answer/")
        written = desk.locator(".card", has_text="đặt cọc")
        # The script writes the due day as every page does, in each language.
        for language, switch in (("en", "English"), ("vi", "Tiếng Việt")):
            desk.get_by_role("button", name=switch).click()
            with translation.override(language):
                expect(written.locator(".card-top")).to_contain_text(
                    format_day(question.answer_due_at)
                )
        written.locator("textarea").fill(
            "Theo Điều 328 Bộ luật Dân sự 2015, đặt cọc bằng văn bản viết tay vẫn có hiệu lực."
        )
        written.locator("button[value=publish]").click()
        expect(desk.locator(".card", has_text="đặt cọc")).to_have_class(re.compile("card-answered"))

        # Anyone finds it at once, typing without diacritics, and reads the answer.
        reader = self.new_context(**PHONE).new_page()
        reader.goto("/?q=dat+coc+viet+tay")
        result = reader.locator("a", has_text="đặt cọc").first
        expect(result).to_be_visible()
        reader.goto(f"/e/{standing.slug}/archive/")
        expect(reader.locator(".archive")).to_contain_text("Điều 328 Bộ luật Dân sự 2015")
