"""A live poll in real browsers: the moderator opens it, a citizen answers, the stage shows it."""

from __future__ import annotations

from playwright.sync_api import expect

from dialogue.models import PollAnswer
from events.models import Event, EventRole
from tests.e2e.browser import PHONE, BrowserTestCase
from tests.e2e.test_moderation import signed_in
from tests.factories import EventFactory, UserFactory, enable_totp


class PollTests(BrowserTestCase):
    def test_a_moderator_opens_a_poll_a_citizen_answers_and_the_stage_shows_the_results(
        self,
    ) -> None:
        event = EventFactory(slug="doi-thoai-tham-do", moderation_mode=Event.Moderation.PRE)
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        enable_totp(moderator)
        citizen_account = UserFactory(display_name="Nguyễn Thị Hoa")

        stage = self.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        expect(stage.locator("body")).to_have_attribute("data-connection", "live")

        citizen = signed_in(
            self.new_context(**PHONE), citizen_account, self.live_server_url
        ).new_page()
        citizen.goto(event.get_absolute_url())
        expect(citizen.locator("#connection")).to_have_attribute("data-state", "live")
        expect(citizen.locator("#poll")).to_be_hidden()

        admin = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        admin.goto(f"/e/{event.slug}/moderate/polls/")
        admin.fill("#poll-question", "Anh/chị biết đến buổi đối thoại qua đâu?")
        admin.select_option("#poll-kind", "single")
        admin.fill("#poll-options", "Cổng thông tin\nZalo\nBáo in")
        admin.get_by_role("button", name="Chuẩn bị thăm dò").click()
        admin.get_by_role("button", name="Mở thăm dò").click()
        expect(admin.locator(".poll-admin")).to_have_attribute("data-status", "open")
        admin.get_by_role("button", name="Trình chiếu kết quả lên sân khấu").click()

        # The citizen's page gets the poll over its socket, without a reload.
        expect(citizen.locator("#poll .poll-question")).to_contain_text("biết đến buổi")
        expect(stage.locator("#stage-poll-question")).to_contain_text("biết đến buổi")
        citizen.get_by_label("Zalo").check()
        citizen.get_by_role("button", name="Gửi câu trả lời").click()
        expect(citizen.locator("#poll .poll-results")).to_have_attribute("data-total", "1")

        expect(stage.locator("#stage-poll")).to_have_attribute("data-total", "1")
        expect(stage.locator("#stage-poll-options")).to_contain_text("Zalo100%")
        assert PollAnswer.objects.filter(poll__event=event).count() == 1
