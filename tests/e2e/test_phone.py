"""The citizen pages on a phone: live dialogues first, folded filters, printing, and offline."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from events.models import Event, EventRole
from tests.e2e.browser import PHONE, BrowserTestCase
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
        expect(page.locator(".site-nav")).to_be_visible()
        assert page.locator("form").count() > 0

        page.emulate_media(media="print")

        expect(page.get_by_role("heading", name=event.title)).to_be_visible()
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".site-nav")).to_be_hidden()
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
