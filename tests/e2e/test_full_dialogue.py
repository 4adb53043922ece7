"""A whole dialogue run from the browser: collected before, moderated, answered live with the
stage following, the rest answered in writing, and the archive published."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from dialogue.models import Question
from events.models import AgencyMembership, Event, EventRole
from tests.e2e.browser import PHONE, BrowserTestCase
from tests.e2e.test_live_event import join
from tests.e2e.test_moderation import signed_in
from tests.factories import AgencyFactory, EventFactory, UserFactory, enable_totp


class FullDialogueTests(BrowserTestCase):
    def test_a_dialogue_from_first_question_to_published_archive(self) -> None:
        agency = AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", slug="so-tu-phap-bac-ninh")
        start = timezone.now() + timedelta(days=2)
        event = EventFactory(
            agency=agency,
            slug="doi-thoai-tron-ven",
            status=Event.Status.SCHEDULED,
            moderation_mode=Event.Moderation.PRE,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            questions_open_at=timezone.now() - timedelta(hours=1),
            recording_url="https://video.example.org/doi-thoai.mp4",
        )
        event.legal_documents.create(
            title="Luật Đất đai", number="31/2024/QH15", url="https://vbpl.example.org/31-2024-qh15"
        )
        moderator, official, organiser = (
            UserFactory(display_name=n) for n in ("Phạm Thu Hà", "Nguyễn Đức Long", "Ban Tổ chức")
        )
        EventRole.objects.create(event=event, user=moderator, role="moderator")
        EventRole.objects.create(event=event, user=official, role="official", title="Phó Giám đốc")
        AgencyMembership.objects.create(agency=agency, user=organiser)
        for person in (moderator, official, organiser):
            enable_totp(person)

        # Days before: citizens send questions while the dialogue is scheduled.
        citizen = self.new_context(**PHONE).new_page()
        join(citizen, event, "Chị Lan")
        for text in (
            "Đất không giấy tờ trước 2014 có được cấp sổ không?",
            "Tách thửa đất nông nghiệp cần điều kiện gì?",
        ):
            citizen.locator("#ask-form textarea").fill(text)
            citizen.locator("#ask-form button[type=submit]").click()
            expect(citizen.locator("#waiting-list")).to_contain_text(text[:20])

        # The moderator approves both, routes them, and starts the dialogue.
        console = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        console.goto(f"/e/{event.slug}/moderate/")
        expect(console.locator("[data-column=incoming] .card")).to_have_count(2)
        ids = [
            card.get_attribute("data-id")
            for card in console.locator("[data-column=incoming] .card").all()
        ]
        for question_id in ids:
            console.locator(f"#m{question_id} [data-action=approve]").click()
            route = console.locator(f"#m{question_id} select.route")
            expect(route).to_be_visible()
            route.select_option(str(official.pk))
            expect(console.locator(f"#m{question_id} .card-meta")).to_contain_text(
                "Nguyễn Đức Long"
            )
        expect(citizen.locator("#question-list .question")).to_have_count(2)
        console.locator("form[action$='/moderate/status/'] input[value=live] + button").click()
        expect(console.locator(".badge-live")).to_be_visible()

        # On stage: the official takes the first question; the hall's screen follows.
        stage = self.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        desk = signed_in(self.new_context(), official, self.live_server_url).new_page()
        desk.goto(f"/e/{event.slug}/answer/")
        first = desk.locator(".card", has_text="Đất không giấy tờ")
        first.locator("[data-action=answering]").click()
        expect(stage.locator("#stage-question")).to_contain_text("Đất không giấy tờ")
        first = desk.locator(".card", has_text="Đất không giấy tờ")
        first.locator("form[data-action=note] input").fill("Điều 137, Luật Đất đai 2024")
        first.locator("form[data-action=note] button").click()
        expect(stage.locator("#stage-note")).to_have_text("Điều 137, Luật Đất đai 2024")

        # The moderator marks it answered and ends the dialogue: the rest goes to writing.
        now_card = console.locator("[data-column=stage] .card").first
        now_card.locator("[data-stage=answered]").click()
        expect(console.locator("[data-column=answered] .card")).to_have_count(1)
        console.reload()
        console.locator("form[action$='/moderate/status/'] input[value=ended] + button").click()
        expect(console.locator(".badge-ended")).to_be_visible()
        left = Question.objects.get(text__startswith="Tách thửa")
        assert left.answer_due_at is not None
        assert left.routed_to == official

        # The official writes and publishes the written answer.
        desk.reload()
        written = desk.locator(".card", has_text="Tách thửa")
        written.locator("textarea").fill(
            "Theo Điều 220 Luật Đất đai 2024, việc tách thửa phải bảo đảm ..."
        )
        written.locator("button[value=publish]").click()
        expect(desk.locator(".card", has_text="Tách thửa")).to_have_class(
            re.compile("card-answered")
        )

        # The organiser publishes the archive; anyone reads it.
        organiser_page = signed_in(self.new_context(), organiser, self.live_server_url).new_page()
        organiser_page.goto(f"/e/{event.slug}/moderate/")
        organiser_page.locator(
            "form[action$='/moderate/status/'] input[value=archived] + button"
        ).click()
        expect(organiser_page.locator(".badge-archived")).to_be_visible()
        reader = self.new_context(**PHONE).new_page()
        reader.goto(f"/e/{event.slug}/archive/")
        entries = reader.locator(".archive-entry")
        expect(entries).to_have_count(2)
        expect(reader.locator(".archive")).to_contain_text("Theo Điều 220 Luật Đất đai 2024")
        expect(reader.locator(".archive")).to_contain_text("31/2024/QH15")
        # The live answer links into the recording at the moment it started.
        expect(reader.locator("a[href*='doi-thoai.mp4#t=']")).to_have_count(1)
