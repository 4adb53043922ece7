"""Every kind of page, in Vietnamese, checked by axe-core at phone and desktop sizes; the citizen
and moderator flows done with the keyboard alone; visible focus; targets of 24×24 px at least;
new questions announced politely."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from dialogue.models import Question
from events.models import Event, EventRole
from tests.e2e.a11y import axe_violations, describe, small_targets, unfocused_tab_stops
from tests.e2e.browser import DESKTOP, PHONE, BrowserTestCase, settled
from tests.e2e.scene import (
    PROJECTORS,
    PageType,
    Scene,
    ask_as_a_citizen,
    build_scene,
    illustration_pages,
    page_types,
)
from tests.e2e.test_live_event import join
from tests.e2e.test_moderation import signed_in
from tests.factories import EventFactory, ParticipantFactory, QuestionFactory, UserFactory
from tests.factories import enable_totp as turn_on_totp

STAGE = {"viewport": {"width": 1920, "height": 1080}}


class AccessibilityTests(BrowserTestCase):
    shared_cache = True  # the scene's themes, made here, reach the moderator's console

    def open(self, scene: Scene, kind: PageType, options: dict) -> Page:  # type: ignore[type-arg]
        context = self.new_context(**options)
        if kind.who:
            signed_in(context, getattr(scene, kind.who), self.live_server_url)
        page = context.new_page()
        if kind.joined:
            slug = kind.path.strip("/").split("/")[1]  # /e/<slug>/
            join(page, Event.objects.get(slug=slug), "Chị Hằng – Thuận Thành")
        elif kind.asked:
            ask_as_a_citizen(page, kind.path)
        else:
            page.goto(kind.path)
        settled(page)
        if kind.click:
            page.locator(kind.click).click()
        if kind.ready:
            expect(page.locator(kind.ready)).to_be_visible()
        return page

    def test_no_page_has_a_serious_or_critical_axe_violation_or_a_small_target(self) -> None:
        scene = build_scene()
        problems = []
        for kind in illustration_pages(scene) + page_types(scene):
            sizes = list(PROJECTORS.items()) if kind.projector else []
            sizes = sizes or [("phone", PHONE), ("desktop", DESKTOP)]
            for size, options in sizes:
                page = self.open(scene, kind, options)
                found = axe_violations(page)
                if found:
                    problems.append(f"{kind.name} ({size}) {page.url}\n{describe(found)}")
                small = small_targets(page)
                if small and not kind.projector:
                    problems.append(f"{kind.name} ({size}): small targets\n  " + "\n  ".join(small))
                page.context.close()
        assert not problems, "\n".join(problems)

    def test_focus_is_visible_on_every_tab_stop(self) -> None:
        scene = build_scene()
        problems = []
        for kind in illustration_pages(scene) + page_types(scene):
            if kind.projector:
                continue  # nothing to focus on the hall's screen
            page = self.open(scene, kind, DESKTOP)
            missing = unfocused_tab_stops(page)
            if missing:
                problems.append(f"{kind.name}:\n  " + "\n  ".join(missing))
            page.context.close()
        assert not problems, "\n".join(problems)

    def test_a_citizen_joins_asks_and_votes_with_the_keyboard_alone(self) -> None:
        event = EventFactory(slug="doi-thoai-ban-phim", title="Đối thoại về thủ tục hộ tịch")
        QuestionFactory(
            event=event,
            author=ParticipantFactory(event=event, nickname="Cô Mai"),
            text="Đăng ký khai sinh trực tuyến cần giấy tờ gì?",
        )
        page = self.new_context(**PHONE).new_page()
        page.goto(event.get_absolute_url())
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")

        def tab_to(selector: str) -> None:
            target = page.locator(selector)
            for _ in range(40):
                page.keyboard.press("Tab")
                if target.evaluate("element => element === document.activeElement"):
                    return
            raise AssertionError(f"{selector} is not reachable with Tab")

        # The skip link comes first and leads to the content.
        page.keyboard.press("Tab")
        expect(page.locator(".skip-link")).to_be_focused()
        tab_to("#join-form input[name=nickname]")
        page.keyboard.type("Anh Bình")
        tab_to("#join-form input[name=consent]")
        page.keyboard.press("Space")
        tab_to("#join-form button")
        page.keyboard.press("Enter")
        expect(page.locator("#ask-form")).to_be_visible()
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")

        tab_to("#ask-form textarea")
        page.keyboard.type("Làm lại giấy khai sinh bị mất ở đâu?")
        tab_to("#ask-form button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.locator("#question-list")).to_contain_text("Làm lại giấy khai sinh bị mất")

        other = page.locator(".question", has_text="Đăng ký khai sinh trực tuyến")
        tab_to(f"#{other.get_attribute('id')} .vote-button")
        page.keyboard.press("Space")
        expect(other.locator(".vote-button")).to_have_attribute("aria-pressed", "true")
        expect(other.locator(".vote-count")).to_have_text("1")

        # The sort links are reached and followed with the keyboard too.
        tab_to(".sort a[data-sort=recent]")
        page.keyboard.press("Enter")
        expect(page.locator(".sort a[data-sort=recent]")).to_have_attribute("aria-current", "true")

    def test_a_moderator_runs_the_queue_with_the_keyboard_alone(self) -> None:
        event = EventFactory(
            slug="kiem-duyet-ban-phim",
            status=Event.Status.LIVE,
            moderation_mode=Event.Moderation.PRE,
        )
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        turn_on_totp(moderator)
        question = QuestionFactory(
            event=event,
            status=Question.Status.PENDING,
            text="Thủ tục chứng thực bản sao mất bao lâu?",
        )
        stage = self.new_context(**STAGE).new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        page = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        page.goto(f"/e/{event.slug}/moderate/")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        card = page.locator(f"#m{question.pk}")
        for _ in range(40):
            page.keyboard.press("Tab")
            if card.evaluate("card => card === document.activeElement"):
                break
        expect(card).to_be_focused()

        page.keyboard.press("a")  # approve
        expect(page.locator("[data-column=approved]")).to_contain_text("chứng thực bản sao")
        page.locator(f"#m{question.pk}").focus()
        page.keyboard.press("w")  # answer now, on stage
        expect(page.locator("[data-column=stage]")).to_contain_text("chứng thực bản sao")
        expect(stage.locator("#stage-question")).to_contain_text("chứng thực bản sao")
        page.locator(f"#m{question.pk}").focus()
        page.keyboard.press("d")  # answered
        expect(page.locator("[data-column=answered]")).to_contain_text("chứng thực bản sao")
        question.refresh_from_db()
        assert question.status == Question.Status.ANSWERED

    def test_new_questions_are_announced_politely(self) -> None:
        event = EventFactory(slug="doi-thoai-thong-bao")
        listener = self.new_context(**PHONE).new_page()
        asker = self.new_context(**PHONE).new_page()
        join(listener, event, "Bác Hùng")
        join(asker, event, "Chị Lan")
        announcer = listener.locator("#announcer")
        expect(announcer).to_have_attribute("aria-live", "polite")
        asker.get_by_label("Câu hỏi của bạn").fill("Phí chứng thực chữ ký là bao nhiêu?")
        asker.get_by_role("button", name="Gửi câu hỏi").click()
        expect(announcer).to_contain_text("Phí chứng thực chữ ký là bao nhiêu?")
        # The list itself is not a live region, so a re-sort is not read out.
        expect(listener.locator("#question-list")).to_have_attribute("aria-live", "off")
