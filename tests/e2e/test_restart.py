"""The server restarts mid-dialogue: every page notices, reconnects by itself on the same
address, and shows what changed while the server was down."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from dialogue.models import Question
from events.models import Event, EventRole
from moderation import services
from tests.e2e.browser import DESKTOP, PHONE, BrowserTestCase, in_thread
from tests.e2e.test_live_event import join
from tests.e2e.test_moderation import signed_in
from tests.factories import EventFactory, QuestionFactory, UserFactory, enable_totp

# The backoff grows to several seconds while the server is away: allow for a few rounds.
RECONNECT = 30_000


class ServerRestartTests(BrowserTestCase):
    def test_pages_reconnect_after_a_restart_and_show_what_changed_meanwhile(self) -> None:
        event = EventFactory(
            slug="doi-thoai-khoi-dong-lai",
            title="Đối thoại về Luật Đất đai",
            status=Event.Status.LIVE,
            moderation_mode=Event.Moderation.PRE,
        )
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        enable_totp(moderator)
        on_stage = QuestionFactory(
            event=event,
            status=Question.Status.APPROVED,
            text="Bồi thường khi thu hồi đất nông nghiệp tính thế nào?",
        )

        citizen = self.new_context(**PHONE).new_page()
        join(citizen, event, "Chị Lan")
        citizen.get_by_label("Câu hỏi của bạn").fill("Đất không giấy tờ có được cấp sổ không?")
        citizen.get_by_role("button", name="Gửi câu hỏi").click()
        expect(citizen.locator("#waiting-list")).to_contain_text("Đất không giấy tờ")
        asked = Question.objects.get(text__startswith="Đất không giấy tờ")

        console = signed_in(self.new_context(**DESKTOP), moderator, self.live_server_url)
        console_page = console.new_page()
        console_page.goto(f"/e/{event.slug}/moderate/")
        expect(console_page.locator("[data-column=incoming]")).to_contain_text("Đất không giấy tờ")
        stage = self.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        expect(stage.locator("#stage")).to_have_attribute("data-connection", "live")
        expect(stage.locator("#stage-waiting")).to_be_visible()

        pages: list[Page] = [citizen, console_page]
        for page in pages:
            expect(page.locator("#connection")).to_have_attribute("data-state", "live")

        def meanwhile() -> None:
            # Every page has seen the drop before anything changes behind its back.
            for page in pages:
                expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
            expect(stage.locator("#stage")).to_have_attribute("data-connection", "reconnecting")
            # The moderator's colleague approves the question and puts another on stage from a
            # second server, say: the broadcasts reach nobody; only the database knows.
            in_thread(
                lambda: (
                    services.approve_question(
                        actor=moderator, event=event, question_id=asked.pk, version=None
                    ),
                    services.set_stage(
                        actor=moderator,
                        event=event,
                        question_id=on_stage.pk,
                        version=None,
                        stage="now",
                    ),
                )
            )

        self.server.restart(while_down=meanwhile)

        for page in pages:
            expect(page.locator("#connection")).to_have_attribute(
                "data-state", "live", timeout=RECONNECT
            )
        expect(stage.locator("#stage")).to_have_attribute(
            "data-connection", "live", timeout=RECONNECT
        )
        # The snapshot after reconnecting brings what changed while the server was down.
        expect(citizen.locator("#question-list")).to_contain_text("Đất không giấy tờ")
        expect(citizen.locator("#waiting-list")).not_to_contain_text("Đất không giấy tờ")
        expect(console_page.locator("[data-column=approved]")).to_contain_text("Đất không giấy tờ")
        expect(console_page.locator("[data-column=stage]")).to_contain_text("Bồi thường")
        expect(stage.locator("#stage-question")).to_have_text(on_stage.text)

        # And the live path works again: a new question reaches the moderator at once.
        citizen.get_by_label("Câu hỏi của bạn").fill("Tách thửa cần điều kiện gì?")
        citizen.get_by_role("button", name="Gửi câu hỏi").click()
        expect(console_page.locator("[data-column=incoming]")).to_contain_text("Tách thửa")
        assert Question.objects.filter(event=event).count() == 3
