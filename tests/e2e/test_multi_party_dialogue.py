"""A whole live dialogue with every party at once, each in its own browser: a citizen on a phone,
a second citizen, the moderator, the official and the hall's stage screen. Every step checks what
the *other* parties see, live, without reloading."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from dialogue.models import Question
from events.models import AgencyMembership, Event, EventRole
from tests.e2e.browser import DESKTOP, PHONE, BrowserTestCase
from tests.e2e.test_live_event import join
from tests.e2e.test_moderation import signed_in
from tests.factories import AgencyFactory, EventFactory, UserFactory, enable_totp

LAND = "Đất không giấy tờ trước năm 2014 có được cấp sổ đỏ không?"
SPLIT = "Tách thửa đất nông nghiệp cần điều kiện gì?"
WRITTEN = "Theo Điều 220 Luật Đất đai 2024, việc tách thửa phải bảo đảm diện tích tối thiểu ..."


def question(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("#question-list .question", has_text=text[:30])


class MultiPartyDialogueTests(BrowserTestCase):
    def test_every_party_sees_each_step_of_the_dialogue_live(self) -> None:
        agency = AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", slug="so-tu-phap-bac-ninh")
        event = EventFactory(
            agency=agency,
            slug="doi-thoai-nhieu-ben",
            title="Đối thoại về Luật Đất đai 2024",
            status=Event.Status.LIVE,
            moderation_mode=Event.Moderation.PRE,
            starts_at=timezone.now() - timedelta(minutes=10),
            ends_at=timezone.now() + timedelta(hours=2),
        )
        moderator, official, organiser = (
            UserFactory(display_name=n) for n in ("Phạm Thu Hà", "Nguyễn Đức Long", "Ban Tổ chức")
        )
        EventRole.objects.create(event=event, user=moderator, role="moderator")
        EventRole.objects.create(event=event, user=official, role="official", title="Phó Giám đốc")
        AgencyMembership.objects.create(agency=agency, user=organiser)
        for person in (moderator, official, organiser):
            enable_totp(person)

        # Everyone opens their page.
        lan = self.new_context(**PHONE).new_page()  # 360×740
        tuan = self.new_context(**DESKTOP).new_page()
        join(lan, event, "Chị Lan")
        join(tuan, event, "Anh Tuấn")
        console = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        console.goto(f"/e/{event.slug}/moderate/")
        desk = signed_in(self.new_context(), official, self.live_server_url).new_page()
        desk.goto(f"/e/{event.slug}/answer/")
        stage = self.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        for page in (console, desk):
            expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        expect(stage.locator("#stage")).to_have_attribute("data-connection", "live")
        expect(stage.locator("#stage-waiting")).to_be_visible()

        # 1. Chị Lan asks two questions: only she and the moderator see them while pending.
        for text in (LAND, SPLIT):
            lan.get_by_label("Câu hỏi của bạn").fill(text)
            lan.get_by_role("button", name="Gửi câu hỏi").click()
            expect(lan.locator("#waiting-list")).to_contain_text(text[:30])
            expect(console.locator("[data-column=incoming]")).to_contain_text(text[:30])
        expect(tuan.locator("#question-list .question")).to_have_count(0)
        expect(desk.locator("#official-list .card")).to_have_count(0)
        land, split = (Question.objects.get(text=text) for text in (LAND, SPLIT))

        # 2. The moderator approves them: both citizens see them appear, Anh Tuấn's screen
        # reader hears it, and Chị Lan's "waiting" list empties.
        for item in (land, split):
            console.locator(f"#m{item.pk} [data-action=approve]").click()
            expect(console.locator("[data-column=approved]")).to_contain_text(item.text[:30])
            expect(question(tuan, item.text)).to_be_visible()
            expect(tuan.locator("#announcer")).to_contain_text(item.text[:30])
            expect(question(lan, item.text)).to_be_visible()
        expect(lan.locator("#waiting")).to_be_hidden()
        expect(tuan.locator("#question-count")).to_have_text("(2)")

        # 3. Anh Tuấn votes for the land question: Chị Lan and the moderator see the count.
        question(tuan, LAND).locator(".vote-button").click()
        expect(question(tuan, LAND).locator(".vote-button")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(question(lan, LAND).locator(".vote-count")).to_have_text("1")
        expect(console.locator(f"#m{land.pk} .card-votes")).to_contain_text("1")

        # 4. The moderator routes both to the official, whose console fills in live.
        for item in (land, split):
            console.locator(f"#m{item.pk} select.route").select_option(str(official.pk))
            expect(console.locator(f"#m{item.pk} .card-meta")).to_contain_text("Nguyễn Đức Long")
            expect(desk.locator(".card", has_text=item.text[:30])).to_be_visible()

        # 5. Up next, then now: the stage and the official follow; citizens see "answering now".
        console.locator(f"#m{land.pk} [data-stage=next]").click()
        expect(stage.locator("#stage-next")).to_contain_text(LAND[:30])
        console.locator(f"#m{land.pk} [data-stage=now]").click()
        expect(stage.locator("#stage-question")).to_have_text(LAND)
        expect(stage.locator("#stage-asker")).to_contain_text("Chị Lan")
        expect(stage.locator(".stage-votes")).to_contain_text("1")
        expect(stage.locator("#stage-official")).to_have_text("Nguyễn Đức Long, Phó Giám đốc")
        expect(stage.locator("#stage-next li")).to_have_count(0)
        expect(desk.locator(".card-now")).to_contain_text(LAND[:30])
        for citizen in (lan, tuan):
            expect(question(citizen, LAND).locator(".now")).to_be_visible()

        # 6. The official puts the article of the law on screen while answering.
        card = desk.locator(".card", has_text=LAND[:30])
        card.locator("form[data-action=note] input").fill("Điều 137, Luật Đất đai 2024")
        card.locator("form[data-action=note] button").click()
        expect(stage.locator("#stage-note")).to_have_text("Điều 137, Luật Đất đai 2024")

        # 7. Answered: the stage clears, both citizens see it marked answered.
        console.locator(f"#m{land.pk} [data-stage=answered]").click()
        expect(console.locator("[data-column=answered]")).to_contain_text(LAND[:30])
        expect(stage.locator("#stage-waiting")).to_be_visible()
        expect(stage.locator("#stage-question")).to_be_hidden()
        for citizen in (lan, tuan):
            expect(question(citizen, LAND).locator(".answered")).to_be_visible()
            expect(question(citizen, LAND).locator(".now")).to_be_hidden()

        # 8. The moderator ends the dialogue: questions close on the citizens' pages at once;
        # what was not answered live goes to the official to answer in writing.
        console.locator("form[action$='/moderate/status/'] input[value=ended] + button").click()
        expect(console.locator(".badge-ended")).to_be_visible()
        for citizen in (lan, tuan):
            expect(citizen.locator("#intake-closed")).to_be_visible()
            expect(citizen.locator("#ask-form button[type=submit]")).to_be_disabled()
        split.refresh_from_db()
        assert split.answer_due_at is not None
        assert split.routed_to == official

        # 9. The official writes and publishes the written answer.
        desk.reload()
        written = desk.locator(".card", has_text=SPLIT[:30])
        written.locator("textarea").fill(WRITTEN)
        written.locator("button[value=publish]").click()
        expect(desk.locator(".card", has_text=SPLIT[:30])).to_have_class(
            re.compile("card-answered")
        )
        expect(question(lan, SPLIT).locator(".answered")).to_be_visible()

        # 10. The organiser publishes the archive; both citizens read both answers.
        organiser_page = signed_in(self.new_context(), organiser, self.live_server_url).new_page()
        organiser_page.goto(f"/e/{event.slug}/moderate/")
        organiser_page.locator(
            "form[action$='/moderate/status/'] input[value=archived] + button"
        ).click()
        expect(organiser_page.locator(".badge-archived")).to_be_visible()
        for citizen in (lan, tuan):
            citizen.goto(f"/e/{event.slug}/")
            citizen.get_by_role("link", name="Câu trả lời và lưu trữ").click()
            expect(citizen.locator(".archive-entry")).to_have_count(2)
            expect(citizen.locator(".archive")).to_contain_text(WRITTEN[:40])
            expect(citizen.locator(".archive")).to_contain_text("Điều 137, Luật Đất đai 2024")
            expect(citizen.locator(".archive")).to_contain_text("Phó Giám đốc")
