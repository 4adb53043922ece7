"""An organiser runs a dialogue from the organiser pages alone; the public sees it everywhere."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import icalendar
from django.utils import timezone
from playwright.sync_api import expect

from dialogue.models import Question
from events.models import Event
from tests.e2e.browser import PHONE, BrowserTestCase
from tests.e2e.test_moderation import signed_in
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    AnswerFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)


class OrganiserPagesTests(BrowserTestCase):
    def test_an_organiser_creates_schedules_and_runs_a_dialogue_seen_everywhere(self) -> None:
        province = AgencyFactory(name="UBND tỉnh Hà Nam", slug="ha-nam")
        agency = AgencyFactory(
            name="Sở Tư pháp tỉnh Hà Nam",
            slug="so-tu-phap-ha-nam",
            parent=province,
            embed_origins="https://stp.hanam.gov.vn",
        )
        organiser = UserFactory(display_name="Trần Thị Tổ Chức")
        AgencyMembershipFactory(agency=agency, user=organiser)
        enable_totp(organiser)
        page = signed_in(self.new_context(), organiser, self.live_server_url).new_page()

        # From the home page, by the link in the header, to the agency's dialogues.
        page.goto("/")
        page.locator(".site-nav a[href='/manage/']").click()
        page.locator(f"a[href='/manage/{agency.slug}/dialogues/']").first.click()
        page.locator(f"a[href='/manage/{agency.slug}/dialogues/new/']").click()
        starts = timezone.localtime() + timedelta(days=2)
        page.locator("#id_title").fill("Hỏi đáp trực tuyến về Luật Đất đai 2024")
        page.locator("#id_slug").fill("luat-dat-dai-2024")
        page.locator("#id_description").fill("Cấp sổ đỏ, tách thửa, bồi thường khi thu hồi đất.")
        page.locator("#id_legal_field").select_option("land")
        page.locator("#id_topic").fill("Luật Đất đai 2024")
        page.locator("#id_starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
        # A mistake first: the end before the start is refused, and nothing is stored.
        page.locator("#id_ends_at").fill((starts - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        page.locator("#id_questions_open_at").fill(
            (starts - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
        )
        page.locator("#id_moderation_mode").select_option("pre")
        page.locator("#id_question_max_length").fill("600")
        page.locator("#id_stream_url").fill("https://www.youtube.com/watch?v=abcdefghijk")
        page.locator("#id_documents-0-title").fill("Luật Đất đai")
        page.locator("#id_documents-0-number").fill("31/2024/QH15")
        page.locator("#id_documents-0-url").fill("https://vanban.chinhphu.vn/luat-dat-dai")
        page.locator("#save-dialogue").click()
        expect(page.locator(".field-invalid #id_ends_at")).to_be_visible()
        assert not Event.objects.exists()
        page.locator("#id_ends_at").fill((starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
        page.locator("#save-dialogue").click()

        expect(page).to_have_url(
            re.compile(rf"/manage/{agency.slug}/dialogues/luat-dat-dai-2024/$")
        )
        event = Event.objects.get(slug="luat-dat-dai-2024")
        assert (event.status, event.agency, event.question_max_length) == ("draft", agency, 600)
        assert event.legal_documents.get().number == "31/2024/QH15"
        # Links to the existing staff pages: inviting moderators and officials, the console.
        expect(page.locator(f"a[href='/manage/{agency.slug}/#invite-heading']")).to_be_visible()
        expect(page.locator(f"a[href='/e/{event.slug}/moderate/']")).to_be_visible()

        # A citizen does not see a draft.
        citizen = self.new_context(**PHONE).new_page()
        citizen.goto("/")
        expect(citizen.locator("main")).not_to_contain_text("Luật Đất đai 2024")

        page.locator("button[data-status=scheduled]").click()
        expect(page.locator("button[data-status=live]")).to_be_visible()
        event.refresh_from_db()
        assert event.status == Event.Status.SCHEDULED

        citizen.goto("/")
        expect(citizen.locator("#upcoming-heading + .event-list")).to_contain_text(
            "Hỏi đáp trực tuyến về Luật Đất đai 2024"
        )
        citizen.goto("/?field=land&agency=ha-nam")
        expect(citizen.locator("main")).to_contain_text("Hỏi đáp trực tuyến về Luật Đất đai 2024")
        citizen.goto("/?field=tax")
        expect(citizen.locator("main")).not_to_contain_text("Hỏi đáp trực tuyến về Luật Đất")

        # Start it: live in the catalogue, on the province's page, the calendar and the API.
        page.locator("button[data-status=live]").click()
        expect(page.locator("button[data-status=ended]")).to_be_visible()
        citizen.goto("/")
        expect(citizen.locator("#live-heading + .event-list")).to_contain_text(
            "Hỏi đáp trực tuyến về Luật Đất đai 2024"
        )
        citizen.goto("/a/ha-nam/")
        expect(citizen.locator("#live-heading + .event-list")).to_contain_text("Luật Đất đai 2024")

        api = json.loads(citizen.request.get("/api/events/luat-dat-dai-2024").text())
        assert api["status"] == "live"
        assert api["agency"]["parent"] == "ha-nam"
        calendar = icalendar.Calendar.from_ical(
            citizen.request.get("/a/ha-nam/calendar.ics").body()
        )
        assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == [event.title]

        # The widget: framed by the agency's portal only.
        widget = citizen.request.get(f"/embed/e/{event.slug}/")
        assert (
            "frame-ancestors 'self' https://stp.hanam.gov.vn"
            in widget.headers["content-security-policy"]
        )
        QuestionFactory(
            author=ParticipantFactory(event=event, nickname="Chị Lan"),
            text="Đất khai hoang có được cấp sổ đỏ không?",
        )
        citizen.goto(f"/embed/e/{event.slug}/")
        expect(citizen.locator(".embed-questions")).to_contain_text("Đất khai hoang")

        # End it, answer in writing, publish the archive: the feed and search show the answer.
        page.locator("button[data-status=ended]").click()
        expect(page.locator("button[data-status=archived]")).to_be_visible()
        question = Question.objects.get(event=event)
        Question.objects.filter(pk=question.pk).update(
            status=Question.Status.ANSWERED,
            answered_at=timezone.now(),
            answered_how=Question.AnsweredHow.WRITTEN,
        )
        AnswerFactory(
            question=question,
            body="Được xem xét cấp nếu sử dụng ổn định, không tranh chấp.",
            published_at=timezone.now(),
        )
        page.locator("button[data-status=archived]").click()
        expect(page.locator("button[data-status]")).to_have_count(0)
        feed = ET.fromstring(citizen.request.get("/answers.atom?agency=ha-nam").body())
        titles = [t.text for t in feed.iter("{http://www.w3.org/2005/Atom}title")]
        assert "Đất khai hoang có được cấp sổ đỏ không?" in titles
        citizen.goto("/?q=dat+khai+hoang")
        expect(citizen.locator("#search-results")).to_contain_text("Đất khai hoang")

        # Copy it for next month's session: a new draft with the same documents.
        page.locator(f"form[action$='/{event.slug}/copy/'] button").click()
        expect(page).to_have_url(re.compile(r"/dialogues/luat-dat-dai-2024-2/$"))
        copy = Event.objects.get(slug="luat-dat-dai-2024-2")
        assert copy.status == "draft"
        assert copy.legal_documents.count() == 1

    def test_an_organiser_cancels_a_scheduled_dialogue(self) -> None:
        agency = AgencyFactory(slug="so-tu-phap-huy")
        organiser = UserFactory()
        AgencyMembershipFactory(agency=agency, user=organiser)
        enable_totp(organiser)
        event = Event.objects.create(
            agency=agency,
            slug="se-huy",
            title="Đối thoại sẽ bị hủy",
            status=Event.Status.SCHEDULED,
            starts_at=timezone.now() + timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=1, hours=2),
        )
        page = signed_in(self.new_context(), organiser, self.live_server_url).new_page()
        page.goto(f"/manage/{agency.slug}/dialogues/{event.slug}/")
        page.locator("button[data-status=draft]").click()
        expect(page.locator("button[data-status=scheduled]")).to_be_visible()
        page.goto("/")
        expect(page.locator("main")).not_to_contain_text("Đối thoại sẽ bị hủy")
