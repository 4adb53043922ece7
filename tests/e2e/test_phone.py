"""The citizen pages on a phone: live dialogues first, folded filters, printing, and offline."""

from __future__ import annotations

import re

from playwright.sync_api import Page, WebSocketRoute, expect

from dialogue.models import Question
from events.models import Event, EventRole
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.browser import PHONE, PHONE_390, BrowserTestCase
from tests.e2e.test_live_event import join
from tests.e2e.test_moderation import signed_in
from tests.factories import EventFactory, UserFactory, enable_totp


def controlled(page: Page) -> None:
    """Wait for the service worker to be active, then reload so that it controls the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def kept(page: Page, path: str) -> None:
    """Wait until the service worker has kept its copy of the page at `path`."""
    page.wait_for_function(
        "async (path) => Boolean(await caches.match(new URL(path, location.href).href))", arg=path
    )


class PhoneTests(BrowserTestCase):
    def test_live_dialogues_come_before_the_filters_which_fold_until_one_is_set(self) -> None:
        live = EventFactory(title="Đối thoại về Luật Đất đai")
        EventFactory(title="Đối thoại sắp tới", status=Event.Status.SCHEDULED)
        page = self.new_context(**PHONE).new_page()
        page.goto("/")

        live_heading = page.locator("#live-heading")
        filters = page.locator("#catalogue-filters")
        expect(live_heading).to_be_visible()
        live_box = live_heading.bounding_box()
        filters_box = filters.bounding_box()
        assert live_box is not None
        assert filters_box is not None
        assert live_box["y"] < filters_box["y"]
        expect(page.locator("#live-heading + ul")).to_contain_text(live.title)
        expect(filters).to_have_js_property("open", False)
        expect(page.locator("#id_agency")).to_be_hidden()

        filters.locator("summary").click()
        page.locator("#id_agency").select_option(live.agency.slug)
        filters.get_by_role("button").click()

        expect(page).to_have_url(re.compile(rf"[?&]agency={live.agency.slug}(&|$)"))
        expect(page.locator("#catalogue-filters")).to_have_js_property("open", True)
        expect(page.locator("#id_agency")).to_be_visible()

    def test_the_archive_prints_without_the_site_navigation_or_forms(self) -> None:
        event = EventFactory(status=Event.Status.ENDED, title="Đối thoại đã kết thúc")
        page = self.new_context(**PHONE).new_page()
        page.goto(f"/e/{event.slug}/archive/")
        navigations = page.locator(".site-nav").all()
        assert len(navigations) == 2  # the sections, and the account and language
        for navigation in navigations:
            expect(navigation).to_be_visible()
        assert page.locator("form").count() > 0

        page.emulate_media(media="print")

        expect(page.get_by_role("heading", name=event.title)).to_be_visible()
        expect(page.locator(".site-header")).to_be_hidden()
        for navigation in navigations:
            expect(navigation).to_be_hidden()
        for form in page.locator("form").all():
            expect(form).to_be_hidden()

    def test_offline_a_visited_page_shows_its_last_copy_and_others_the_offline_page(self) -> None:
        event = EventFactory(title="Đối thoại về Luật Nhà ở", slug="doi-thoai-nha-o")
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        enable_totp(moderator)
        context = signed_in(self.new_context(**PHONE), moderator, self.live_server_url)
        page = context.new_page()
        page.goto("/")
        controlled(page)
        console = f"/e/{event.slug}/moderate/"
        page.goto(console)
        expect(page).to_have_url(f"{self.live_server_url}{console}")
        page.goto(event.get_absolute_url())
        expect(page.get_by_role("heading", name=event.title)).to_be_visible()
        kept(page, event.get_absolute_url())
        kept(page, "/")
        stored = page.evaluate(
            "async () => (await Promise.all((await caches.keys()).map("
            "async (name) => (await (await caches.open(name)).keys()).map((r) => r.url)))).flat()"
        )
        assert not [url for url in stored if "/moderate/" in url]

        context.set_offline(True)

        page.goto(event.get_absolute_url())
        expect(page.get_by_role("heading", name=event.title)).to_be_visible()
        page.goto("/privacy/")
        expect(page.get_by_role("heading", name="Không có kết nối mạng")).to_be_visible()
        page.goto(console)
        expect(page.get_by_role("heading", name="Không có kết nối mạng")).to_be_visible()


MOMENT_VI = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


class HonestPhoneTests(BrowserTestCase):
    def test_a_question_typed_offline_waits_says_so_and_is_sent_and_shown_once(self) -> None:
        event = EventFactory(title="Đối thoại về Luật Đất đai")
        context = self.new_context(**PHONE_390)
        page = context.new_page()
        join(page, event, "Chị Lan")
        connection = page.locator("#connection")

        context.set_offline(True)
        expect(connection).to_have_attribute("data-state", "reconnecting")
        expect(connection).to_contain_text("Mất kết nối – đang thử lại. Cập nhật lần cuối lúc")
        expect(connection).not_to_contain_text("Trực tiếp")

        text = "Đất nông nghiệp có được tách thửa không?"
        page.get_by_label("Câu hỏi của bạn").fill(text)
        page.get_by_role("button", name="Gửi câu hỏi").click()
        waiting = page.locator("#outbox li")
        expect(waiting).to_have_count(1)
        expect(waiting).to_have_attribute("data-state", "queued")
        expect(waiting).to_contain_text(text)
        expect(waiting).to_contain_text("Sẽ gửi khi có kết nối")
        expect(page.get_by_label("Câu hỏi của bạn")).to_have_value("")
        assert not Question.objects.exists()
        violations = axe_violations(page)
        assert not violations, describe(violations)

        context.set_offline(False)
        expect(connection).to_have_attribute("data-state", "live")
        expect(page.locator("#outbox")).to_be_hidden()
        expect(page.locator("#ask-error")).to_have_text("Câu hỏi của bạn đã được đăng.")
        shown = page.locator("#question-list .question", has_text=text)
        expect(shown).to_have_count(1)
        assert Question.objects.filter(text=text).count() == 1
        # The script writes the question's time as the server does.
        written = shown.locator("time").inner_text()
        assert MOMENT_VI.match(written), written
        page.reload()
        expect(page.locator("#question-list .question", has_text=text)).to_have_count(1)
        reloaded = page.locator("#question-list .question", has_text=text).locator("time")
        expect(reloaded).to_have_text(written)

    def test_a_long_paste_is_kept_whole_with_a_clear_error_and_the_send_button_off(self) -> None:
        event = EventFactory(title="Đối thoại về Luật Nhà ở")
        page = self.new_context(**PHONE_390).new_page()
        join(page, event, "Anh Tuấn")
        field = page.get_by_label("Câu hỏi của bạn")
        counter = page.locator("#id_text-counter")
        send = page.get_by_role("button", name="Gửi câu hỏi")

        field.fill("đ" * 900)
        expect(counter).to_have_attribute("data-level", "over")
        expect(counter).to_contain_text("900/500")
        expect(counter).to_contain_text("Vượt quá 400 ký tự")
        expect(send).to_be_disabled()
        assert len(field.input_value()) == 900  # nothing cut
        violations = axe_violations(page)
        assert not violations, describe(violations)

        field.fill("đ" * 460)
        expect(counter).to_have_attribute("data-level", "near")
        expect(counter).to_contain_text("Còn lại 40 ký tự")
        expect(send).to_be_enabled()

    def test_a_socket_that_falls_silent_is_counted_lost_and_replaced(self) -> None:
        """No `offline` event here: the network drops frames both ways, as a dead mobile link
        does, and the page notices from its own pings going unanswered (page clock run on)."""
        event = EventFactory(title="Đối thoại về Luật Đất đai")
        page = self.new_context(**PHONE_390).new_page()
        page.clock.install()
        silent = {"now": False}

        def relay(route: WebSocketRoute) -> None:
            server = route.connect_to_server()
            route.on_message(lambda message: None if silent["now"] else server.send(message))
            server.on_message(lambda message: None if silent["now"] else route.send(message))

        page.route_web_socket(re.compile(r"/ws/events/"), relay)
        join(page, event, "Chị Lan")
        connection = page.locator("#connection")

        silent["now"] = True
        page.clock.run_for(9_000)
        expect(connection).to_have_attribute("data-state", "live")
        page.clock.run_for(16_000)  # 25 s without a frame, nor an answer to the ping
        expect(connection).to_have_attribute("data-state", "reconnecting")
        expect(connection).to_contain_text("Mất kết nối – đang thử lại")

        silent["now"] = False
        page.clock.run_for(31_000)  # the longest first backoff
        expect(connection).to_have_attribute("data-state", "live")
