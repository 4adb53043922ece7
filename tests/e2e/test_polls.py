"""A live poll in real browsers: the moderator opens it, a citizen answers, the stage shows it."""

from __future__ import annotations

import re
from typing import NamedTuple

from playwright.sync_api import Page, expect

from dialogue.models import PollAnswer, PollRank
from events.models import Event, EventRole
from tests.e2e.browser import PHONE, PHONE_390, BrowserTestCase
from tests.e2e.test_live_event import join
from tests.e2e.test_moderation import signed_in
from tests.factories import EventFactory, UserFactory, enable_totp


class Opened(NamedTuple):
    event: Event
    stage: Page
    admin: Page


class PollTests(BrowserTestCase):
    def open_on_stage(self, slug: str, question: str, kind: str, options: str = "") -> Opened:
        """A moderator prepares a poll on the polls page, opens it and shows it on a 1280×720
        stage, which is connected first."""
        event = EventFactory(slug=slug, moderation_mode=Event.Moderation.PRE)
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        enable_totp(moderator)
        stage = self.new_context(viewport={"width": 1280, "height": 720}).new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        expect(stage.locator("body")).to_have_attribute("data-connection", "live")
        admin = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        admin.goto(f"/e/{event.slug}/moderate/polls/")
        admin.fill("#poll-question", question)
        admin.select_option("#poll-kind", kind)
        if options:
            admin.fill("#poll-options", options)
        admin.get_by_role("button", name="Chuẩn bị thăm dò").click()
        admin.get_by_role("button", name="Mở thăm dò").click()
        admin.get_by_role("button", name="Trình chiếu kết quả lên sân khấu").click()
        return Opened(event, stage, admin)

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

    def test_a_short_text_poll_is_drawn_as_a_word_cloud_on_a_1280x720_stage(self) -> None:
        event, stage, _ = self.open_on_stage(
            "doi-thoai-mot-tu", "Một từ về buổi đối thoại?", "text"
        )
        expect(stage.locator("#stage-poll-question")).to_contain_text("Một từ")

        for nickname, word in (("Lan", "Minh bạch"), ("Hoa", "Minh bạch"), ("Tư", "Hữu ích")):
            citizen = self.new_context(**PHONE).new_page()
            join(citizen, event, nickname)
            citizen.get_by_label("Câu trả lời của bạn, trong vài từ").fill(word)
            citizen.get_by_role("button", name="Gửi câu trả lời").click()
            expect(citizen.locator("#poll .poll-results")).to_be_visible()

        # The stage asks the server for the cloud again as the count grows; the picture shows
        # the words, and the table beside it lists them with their counts.
        expect(stage.locator("#stage-poll")).to_have_attribute("data-total", "3")
        cloud = stage.locator("#stage-poll-cloud")
        expect(cloud).to_be_visible()
        expect(cloud).to_have_attribute("src", re.compile(r"/cloud\.svg\?n=3$"))
        stage.wait_for_function(
            "() => { const i = document.getElementById('stage-poll-cloud');"
            " return i.complete && i.naturalWidth > 0; }"
        )
        box = cloud.bounding_box()
        assert box is not None
        assert box["width"] > 600, box
        expect(stage.locator("#stage-poll-words tr").first).to_contain_text("minh bạch2")
        svg = stage.request.get(cloud.get_attribute("src") or "").text()
        assert "minh bạch" in svg
        assert "hữu ích" in svg

    def test_a_ranking_poll_is_put_in_order_on_a_phone_and_scored_on_the_stage(self) -> None:
        event, stage, _ = self.open_on_stage(
            "doi-thoai-xep-hang",
            "Xếp các lĩnh vực theo mức quan tâm",
            "ranking",
            "Đất đai\nHộ tịch\nThừa kế",
        )

        # On a phone, with taps: Thừa kế up twice, to the first place; then Đất đai down once.
        phone = self.new_context(**PHONE_390).new_page()
        join(phone, event, "Chị Lan")
        phone.get_by_role("button", name="Chuyển lên: Thừa kế").tap()
        phone.get_by_role("button", name="Chuyển lên: Thừa kế").tap()
        phone.get_by_role("button", name="Chuyển xuống: Đất đai").tap()
        expect(phone.locator(".rank-item .rank-label")).to_have_text(
            ["Thừa kế", "Hộ tịch", "Đất đai"]
        )
        phone.get_by_role("button", name="Gửi câu trả lời").tap()
        expect(phone.locator("#poll .poll-results")).to_have_attribute("data-total", "1")

        # The stage ranks by points: first of three is worth 2, last 0.
        expect(stage.locator("#stage-poll")).to_have_attribute("data-total", "1")
        expect(stage.locator("#stage-poll-options .stage-poll-option")).to_have_text(
            ["Thừa kế", "Hộ tịch", "Đất đai"]
        )
        expect(stage.locator("#stage-poll-options .stage-poll-percent").first).to_have_text(
            "2 điểm"
        )
        points = dict(PollRank.objects.values_list("option__label", "points"))
        assert points == {"Thừa kế": 2, "Hộ tịch": 1, "Đất đai": 0}

    def test_a_quiz_is_answered_on_a_phone_and_revealed_on_the_stage_with_its_leaders(
        self,
    ) -> None:
        event, stage, admin = self.open_on_stage(
            "doi-thoai-do-vui",
            "Luật Đất đai 2024 có hiệu lực từ ngày nào?",
            "quiz",
            "01/01/2025\n*01/08/2024\n01/07/2024",
        )

        answers = (("Chị Lan", "01/08/2024", True), ("Anh Tuấn", "01/01/2025", True))
        phones = []
        for nickname, choice, named in answers:
            phone = self.new_context(**PHONE_390).new_page()
            join(phone, event, nickname)
            phone.get_by_label(choice).check()
            if named:
                phone.get_by_label("Hiện tên tôi trong bảng xếp hạng nếu tôi trả lời đúng").check()
            phone.get_by_role("button", name="Gửi câu trả lời").tap()
            expect(phone.locator("#poll .poll-results")).to_be_visible()
            phones.append(phone)
        # Before it is revealed no page knows the right answer.
        expect(stage.locator("#stage-poll")).to_have_attribute("data-total", "2")
        expect(stage.locator(".stage-poll-right")).to_have_count(0)
        expect(phones[0].locator(".poll-right")).to_have_count(0)

        admin.get_by_role("button", name="Đóng thăm dò").click()
        admin.get_by_role("button", name="Công bố đáp án đúng").click()
        expect(stage.locator(".stage-poll-right .stage-poll-option")).to_have_text("✓ 01/08/2024")
        expect(stage.locator("#stage-poll-leaders-list li")).to_have_text(["Chị Lan"])
        expect(phones[1].locator("#poll .poll-right")).to_contain_text("01/08/2024")
