"""The moderator console in a real browser, watched from citizens' pages."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from dialogue.models import Question
from events.models import AgencyMembership, Event, EventRole, User
from moderation.models import ModerationLog
from tests.e2e.browser import PHONE, BrowserTestCase
from tests.factories import (
    AgencyFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)


def signed_in(context: BrowserContext, user: User, url: str) -> BrowserContext:
    """Give the browser a session of `user` (who signed in with two factors earlier)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": url}]
    )
    return context


class ModerationConsoleTests(BrowserTestCase):
    def staffed(self, **fields) -> tuple[Event, User]:  # type: ignore[no-untyped-def]
        event = EventFactory(
            moderation_mode=Event.Moderation.PRE, slug="doi-thoai-kiem-duyet", **fields
        )
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        enable_totp(moderator)
        return event, moderator

    def console(self, event: Event, moderator: User):  # type: ignore[no-untyped-def]
        page = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        page.goto(f"/e/{event.slug}/moderate/")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        return page

    def test_approve_route_and_now_are_seen_live_by_citizens(self) -> None:
        event, moderator = self.staffed()
        official = UserFactory(display_name="Nguyễn Đức Long")
        EventRole.objects.create(event=event, user=official, role=EventRole.Role.OFFICIAL)
        asker = ParticipantFactory(event=event, nickname="Chị Lan")
        question = QuestionFactory(
            event=event,
            author=asker,
            status=Question.Status.PENDING,
            text="Đất không giấy tờ trước năm 2014 có được cấp sổ không?",
        )
        citizen = self.new_context(**PHONE).new_page()
        citizen.goto(event.get_absolute_url())
        expect(citizen.locator("#connection")).to_have_attribute("data-state", "live")
        expect(citizen.locator("#question-list")).not_to_contain_text("Đất không giấy tờ")

        page = self.console(event, moderator)
        card = page.locator(f"#m{question.pk}")
        expect(page.locator("[data-column=incoming]")).to_contain_text("Đất không giấy tờ")
        card.locator("[data-action=approve]").click()
        expect(page.locator("[data-column=approved]")).to_contain_text("Đất không giấy tờ")
        expect(citizen.locator("#question-list")).to_contain_text("Đất không giấy tờ")

        page.locator(f"#m{question.pk} select.route").select_option(str(official.pk))
        expect(page.locator(f"#m{question.pk} .card-meta")).to_contain_text("Nguyễn Đức Long")
        page.locator(f"#m{question.pk} [data-stage=now]").click()
        expect(page.locator("[data-column=stage]")).to_contain_text("Đất không giấy tờ")
        question.refresh_from_db()
        assert (question.status, question.stage, question.routed_to) == (
            "approved",
            "now",
            official,
        )
        assert ModerationLog.objects.filter(question=question).count() == 3

    def test_a_moderator_clears_a_hundred_incoming_questions_with_the_keyboard(self) -> None:
        event, moderator = self.staffed()
        for number in range(100):
            QuestionFactory(
                event=event,
                status=Question.Status.PENDING,
                text=f"Câu hỏi số {number} về thủ tục hành chính {number * 7919 % 1000}",
            )
        page = self.console(event, moderator)
        incoming = page.locator("[data-column=incoming] .card")
        expect(incoming).to_have_count(100)
        # Reach the queue with the keyboard alone: Tab until the first incoming card has focus.
        first = incoming.first
        for _ in range(40):
            page.keyboard.press("Tab")
            if first.evaluate("card => card === document.activeElement"):
                break
        assert first.evaluate("card => card === document.activeElement")
        for _ in range(100):
            page.keyboard.press("a")
            page.wait_for_timeout(20)
        expect(incoming).to_have_count(0, timeout=30_000)
        expect(page.locator("[data-column=approved] .card")).to_have_count(100)
        assert Question.objects.filter(event=event, status="approved").count() == 100
        assert ModerationLog.objects.filter(event=event, action="approve").count() == 100

    def test_rejecting_with_a_reason_by_keyboard_tells_only_the_asker(self) -> None:
        event, moderator = self.staffed()
        asker = ParticipantFactory(event=event, nickname="Anh Tuấn")
        QuestionFactory(
            event=event, author=asker, status="pending", text="Quảng cáo dịch vụ làm sổ đỏ nhanh"
        )
        page = self.console(event, moderator)
        card = page.locator("[data-column=incoming] .card").first
        card.focus()
        page.keyboard.press("r")
        page.keyboard.press("6")  # the sixth reason: advertising or spam
        expect(page.locator("[data-column=rejected]")).to_contain_text("Quảng cáo dịch vụ")
        assert Question.objects.get().rejection_reason == "advertising"


class StageScreenTests(BrowserTestCase):
    def test_the_stage_follows_the_moderator_within_moments(self) -> None:
        event = EventFactory(
            slug="doi-thoai-luat-dat-dai",
            agency=AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", slug="so-tu-phap-bac-ninh"),
            title="Đối thoại chính sách – pháp luật: Luật Đất đai năm 2024",
            moderation_mode=Event.Moderation.PRE,
        )
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        official = UserFactory(display_name="Nguyễn Đức Long")
        EventRole.objects.create(
            event=event,
            user=official,
            role=EventRole.Role.OFFICIAL,
            title="Phó Giám đốc Sở Tư pháp",
        )
        enable_totp(moderator)
        asker = ParticipantFactory(event=event, nickname="Chị Lan – Từ Sơn")
        now = QuestionFactory(
            event=event,
            author=asker,
            routed_to=official,
            vote_count=0,
            text="Gia đình tôi sử dụng đất ổn định từ năm 1995 nhưng không có giấy tờ. "
            "Theo Luật Đất đai 2024, chúng tôi có được cấp Giấy chứng nhận không và "
            "phải nộp tiền sử dụng đất như thế nào?",
        )
        for text in (
            "Bảng giá đất mới được áp dụng từ khi nào?",
            "Đất nông nghiệp có được tách thửa để chia cho con không?",
        ):
            upcoming = QuestionFactory(event=event, text=text, is_anonymous=True)
            Question.objects.filter(pk=upcoming.pk).update(stage="next", queue_position=upcoming.pk)

        stage = self.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        expect(stage.locator("#stage-waiting")).to_be_visible()
        expect(stage.locator("#stage-next li")).to_have_count(2)

        console = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        console.goto(f"/e/{event.slug}/moderate/")
        console.locator(f"#m{now.pk} [data-stage=now]").click()
        expect(stage.locator("#stage-question")).to_contain_text("sử dụng đất ổn định từ năm 1995")
        expect(stage.locator("#stage-asker")).to_contain_text("Chị Lan – Từ Sơn")
        expect(stage.locator("#stage-official")).to_contain_text("Phó Giám đốc Sở Tư pháp")
        # Nothing to scroll: the screen fits the projector.
        assert stage.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
        if os.environ.get("SCREENSHOTS"):
            stage.screenshot(
                path=str(
                    Path(__file__).resolve().parents[2] / "docs/screenshots/stage-1920x1080.png"
                )
            )


# Unlike each other, so that no card carries a likely duplicate.
TOPICS = (
    "Cấp sổ đỏ",
    "Bảo hiểm xã hội một lần",
    "Đăng ký khai sinh",
    "Thuế thu nhập cá nhân",
    "Ly hôn thuận tình",
    "Xử phạt giao thông",
)


class ConsoleLayoutTests(BrowserTestCase):
    """The console's own tools: the queue filter, folding columns, the stage link copied."""

    def staffed(self) -> tuple[Event, User]:
        event = EventFactory(moderation_mode=Event.Moderation.PRE, slug="doi-thoai-bo-loc")
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        enable_totp(moderator)
        return event, moderator

    def console(self, event: Event, moderator: User, **options):  # type: ignore[no-untyped-def]
        context = signed_in(self.new_context(**options), moderator, self.live_server_url)
        page = context.new_page()
        page.goto(f"/e/{event.slug}/moderate/")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        return page

    def test_the_queue_is_filtered_by_words_topic_and_star_in_the_page(self) -> None:
        event, moderator = self.staffed()
        land = QuestionFactory(
            event=event, status="pending", topic="Đất đai", text="Cấp sổ đỏ cho đất ở thế nào?"
        )
        labour = QuestionFactory(
            event=event, topic="Lao động", text="Bảo hiểm xã hội một lần được bao nhiêu?"
        )
        starred = QuestionFactory(
            event=event, status="pending", starred=True, text="Thủ tục ly hôn thuận tình?"
        )
        page = self.console(event, moderator)
        cards = page.locator(".card:visible")
        expect(cards).to_have_count(3)

        page.locator("#filter-text").fill("so do")  # without the diacritics, as people type
        expect(cards).to_have_count(1)
        expect(page.locator(f"#m{land.pk}")).to_be_visible()
        expect(page.locator("[data-column=incoming] .count")).to_have_text("(1/2)")
        page.locator("#filter-text").fill(f"#{labour.pk}")
        expect(cards).to_have_count(1)
        expect(page.locator(f"#m{labour.pk}")).to_be_visible()

        page.locator("#filter-clear").click()
        expect(cards).to_have_count(3)
        page.locator("#filter-topic").select_option("Lao động")
        expect(cards).to_have_count(1)
        expect(page.locator(f"#m{labour.pk}")).to_be_visible()
        page.locator("#filter-clear").click()
        page.locator("#filter-starred").check()
        expect(cards).to_have_count(1)
        expect(page.locator(f"#m{starred.pk}")).to_be_visible()

        # A question arriving while the filter is on is filtered too.
        QuestionFactory(event=event, status="pending", text="Câu hỏi mới không gắn sao?")
        page.locator("#filter-starred").uncheck()
        expect(page.locator(".card:visible")).to_have_count(3)

    def test_folded_columns_leave_room_for_several_cards_per_column_at_1280x800(self) -> None:
        event, moderator = self.staffed()
        for number, topic in enumerate(TOPICS):
            QuestionFactory(event=event, status="pending", text=f"{topic}: hỏi lần {number}?")
            QuestionFactory(event=event, text=f"Xin hỏi thêm về {topic.lower()}, số {number}")
        QuestionFactory(event=event, status="rejected", text="Quảng cáo dịch vụ làm sổ nhanh")
        page = self.console(event, moderator, viewport={"width": 1280, "height": 800})
        expect(page.locator("[data-column=incoming] .card")).to_have_count(6)
        for name in ("stage", "answered", "rejected"):
            page.locator(f"[data-column={name}] .column-toggle").click()
            expect(page.locator(f"[data-column={name}] .column-toggle")).to_have_attribute(
                "aria-expanded", "false"
            )
            expect(page.locator(f"[data-column={name}] .cards")).to_be_hidden()
        expect(page.locator("[data-column=rejected] .card")).to_be_hidden()
        if os.environ.get("SCREENSHOTS"):
            page.screenshot(
                path=str(
                    Path(__file__).resolve().parents[2]
                    / "docs/screenshots/moderation-folded-1280x800.png"
                )
            )
        for name in ("incoming", "approved"):
            second = page.locator(f"[data-column={name}] .card").nth(1)
            box = second.bounding_box()
            assert box is not None
            assert box["y"] + box["height"] <= 800, f"the second {name} card is below the fold"

        # The folding is remembered in this browser, and undone the same way.
        page.reload()
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        expect(page.locator("[data-column=rejected] .card")).to_be_hidden()
        page.locator("[data-column=rejected] .column-toggle").click()
        expect(page.locator("[data-column=rejected] .card")).to_be_visible()

    def test_the_stage_link_is_copied_not_printed(self) -> None:
        event, moderator = self.staffed()
        page = self.console(event, moderator)
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        assert event.stage_token not in page.locator("main").inner_text()
        page.locator("#copy-stage-link").click()
        expect(page.locator("#announcer")).not_to_be_empty()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.endswith(f"/stage/{event.stage_token}/")

    def test_the_connection_and_the_dialogue_s_status_are_told_in_different_words(self) -> None:
        event, moderator = self.staffed()
        page = self.console(event, moderator)
        connection = page.locator("#connection .connection-text").inner_text()
        status = page.locator("#dialogue-status").inner_text()
        assert connection.strip()
        assert status.strip()
        assert status.lower() not in connection.lower()


class AnswersDueTests(BrowserTestCase):
    def test_the_due_list_s_overdue_rows_are_styled(self) -> None:
        event = EventFactory(status=Event.Status.ENDED, slug="doi-thoai-han-tra-loi")
        organiser = UserFactory(display_name="Trần Văn Tổ Chức")
        AgencyMembership.objects.create(agency=event.agency, user=organiser)
        enable_totp(organiser)
        now = timezone.now()
        late = QuestionFactory(event=event, answer_due_at=now - timedelta(days=2))
        soon = QuestionFactory(event=event, answer_due_at=now + timedelta(days=5))
        context = signed_in(self.new_context(), organiser, self.live_server_url)
        page = context.new_page()
        for path in (f"/e/{event.slug}/moderate/due/", f"/manage/{event.agency.slug}/answers-due/"):
            page.goto(path)
            overdue = page.locator(f"tr[data-question='{late.pk}']")
            due = page.locator(f"tr[data-question='{soon.pk}']")
            expect(overdue).to_have_class("overdue")
            style = "row => getComputedStyle(row.querySelector('td')).backgroundColor"
            assert overdue.evaluate(style) != due.evaluate(style)
            # Not by colour alone: the row says it in words too.
            expect(overdue.locator(".badge-overdue")).to_be_visible()
            expect(due.locator(".badge-overdue")).to_have_count(0)
