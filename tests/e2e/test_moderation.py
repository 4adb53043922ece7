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

from dialogue.models import Answer, Question
from events.models import AgencyMembership, Event, EventRole, User
from moderation.models import ModerationLog
from tests.e2e.browser import PHONE, BrowserTestCase
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
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


# A long question as a moderator may leave it after an edit (the longest a dialogue allows is
# 2,000 characters): long enough that the stage must shrink it.
LONG_QUESTION = (
    "Gia đình tôi sử dụng đất ổn định từ năm 1995, không có tranh chấp, nhưng không có giấy tờ "
    "về quyền sử dụng đất. Năm 2010 bố mẹ tôi xây nhà trên một phần diện tích, phần còn lại "
    "trồng cây lâu năm. Nay bố tôi đã mất, không để lại di chúc, mẹ tôi và bốn anh chị em "
    "muốn làm thủ tục cấp Giấy chứng nhận lần đầu rồi chia thừa kế. Xin hỏi theo Luật Đất đai "
    "2024 và Nghị định 101/2024/NĐ-CP, gia đình tôi có được cấp Giấy chứng nhận không, phần "
    "đất vượt hạn mức công nhận đất ở thì phải nộp tiền sử dụng đất như thế nào, và có cần "
    "làm thủ tục khai nhận di sản trước khi được cấp giấy hay không?"
)
PROJECTOR_SIZES = ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720})

# How the question box fits: its size, the room it has, its font size against the screen.
FIT_JS = """
() => {
  const box = document.getElementById("stage-question");
  const page = document.documentElement;
  return {
    scrollHeight: box.scrollHeight, clientHeight: box.clientHeight,
    scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
    text: box.textContent, overflow: box.dataset.overflow || null,
    fontSize: parseFloat(getComputedStyle(box).fontSize), vh: window.innerHeight / 100,
    pageFits: page.scrollHeight <= window.innerHeight && page.scrollWidth <= window.innerWidth,
    noteBottom: document.getElementById("stage-note").getBoundingClientRect().bottom,
  };
}
"""


class StageFitTests(BrowserTestCase):
    """The hall's screen at the projectors' sizes: nothing is cut off, nothing breaks."""

    def on_stage(self, text: str) -> Event:
        event = EventFactory(title="Đối thoại chính sách – pháp luật: Luật Đất đai năm 2024")
        official = UserFactory(display_name="Nguyễn Đức Long")
        EventRole.objects.create(
            event=event, user=official, role=EventRole.Role.OFFICIAL, title="Phó Giám đốc"
        )
        asker = ParticipantFactory(event=event, nickname="Chị Lan – Từ Sơn")
        now = QuestionFactory(event=event, author=asker, routed_to=official, text=text)
        Question.objects.filter(pk=now.pk).update(stage="now")
        AnswerFactory(
            question=now,
            official=official,
            kind=Answer.Kind.LIVE,
            body="",
            live_note="Điều 138 Luật Đất đai 2024; Nghị định 101/2024/NĐ-CP",
            published_at=None,
        )
        for words in ("Bảng giá đất mới được áp dụng từ khi nào? " * 4, LONG_QUESTION):
            upcoming = QuestionFactory(event=event, text=words.strip(), is_anonymous=True)
            Question.objects.filter(pk=upcoming.pk).update(stage="next", queue_position=upcoming.pk)
        return event

    def stage(self, event: Event, viewport: dict[str, int]):  # type: ignore[no-untyped-def]
        page = self.new_context(viewport=viewport).new_page()
        page.goto(f"/stage/{event.stage_token}/")
        expect(page.locator("#stage")).to_have_attribute("data-view", "live")
        return page

    def test_a_long_question_fits_the_stage_with_no_overflow(self) -> None:
        event = self.on_stage(LONG_QUESTION)
        for viewport in PROJECTOR_SIZES:
            page = self.stage(event, viewport)
            expect(page.locator("#stage-question")).to_have_text(LONG_QUESTION)
            expect(page.locator("#stage-note")).to_be_visible()
            fit = page.evaluate(FIT_JS)
            size = f"{viewport['width']}×{viewport['height']}"
            assert fit["scrollHeight"] <= fit["clientHeight"], (size, fit)
            assert fit["scrollWidth"] <= fit["clientWidth"], (size, fit)
            assert fit["text"] == LONG_QUESTION, (size, fit)
            assert fit["overflow"] is None, (size, fit)
            # Shrunk from the largest size, but not below the smallest.
            assert 3 * fit["vh"] - 0.5 <= fit["fontSize"] < 7 * fit["vh"], (size, fit)
            assert fit["pageFits"], (size, fit)
            assert fit["noteBottom"] <= viewport["height"], (size, fit)
            # What is next is large too, and the join link is on one line, whole.
            next_size = page.locator("#stage-next").evaluate(
                "list => parseFloat(getComputedStyle(list).fontSize) / (innerHeight / 100)"
            )
            assert next_size >= 2.6 - 0.1, (size, next_size)
            url = page.locator("#stage-live .stage-url")
            assert url.evaluate("url => url.scrollWidth <= url.clientWidth"), size
            expect(url).to_have_text(f"127.0.0.1:{self.server.port}/j/{event.join_code}/")
            page.context.close()

    def test_a_question_too_long_even_at_the_smallest_size_scrolls_instead_of_being_cut(
        self,
    ) -> None:
        text = " ".join([LONG_QUESTION] * 3)[:2000]
        event = self.on_stage(text)
        page = self.stage(event, PROJECTOR_SIZES[1])
        question = page.locator("#stage-question")
        expect(question).to_have_attribute("data-overflow", "scroll")
        fit = page.evaluate(FIT_JS)
        assert fit["text"] == text
        assert abs(fit["fontSize"] - 3 * fit["vh"]) < 0.5, fit
        # Scrolls by itself, slowly, to the end of the text.
        page.wait_for_function(
            "box => box.scrollTop > 0", arg=question.element_handle(), timeout=30_000
        )
        assert page.evaluate(FIT_JS)["pageFits"]


class StageViewsTests(BrowserTestCase):
    """The stage switches by itself between the join slide and the question being answered."""

    def staffed(self) -> tuple[Event, User, Question]:
        event = EventFactory(
            title="Đối thoại chính sách – pháp luật: Luật Đất đai năm 2024",
            moderation_mode=Event.Moderation.PRE,
        )
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        enable_totp(moderator)
        question = QuestionFactory(
            event=event, text="Bảng giá đất mới được áp dụng từ khi nào, ở tỉnh nào trước?"
        )
        return event, moderator, question

    def test_the_join_slide_shows_while_nothing_is_answered_and_hides_when_a_question_goes_live(
        self,
    ) -> None:
        event, moderator, question = self.staffed()
        stage = self.new_context(viewport={"width": 1280, "height": 720}).new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        expect(stage.locator("#stage")).to_have_attribute("data-connection", "live")
        slide = stage.locator("#stage-join-slide")
        expect(slide).to_be_visible()
        expect(stage.locator("#stage-live")).to_be_hidden()
        expect(slide.locator("h1, h2").first).to_be_visible()
        expect(stage.locator(".stage-title")).to_have_text(event.title)
        expect(slide.locator(".join-code-value")).to_have_text(event.join_code)
        url = slide.locator(".stage-url")
        expect(url).to_have_text(f"127.0.0.1:{self.server.port}/j/{event.join_code}/")
        # On one line, whole, and large; the QR code fills most of the screen's height.
        font_size = url.evaluate("url => parseFloat(getComputedStyle(url).fontSize)")
        assert font_size >= 0.03 * 720
        assert url.bounding_box()["height"] < 2 * font_size  # type: ignore[index]
        assert url.evaluate("url => url.scrollWidth <= url.clientWidth")
        assert slide.locator("img").bounding_box()["height"] >= 0.4 * 720  # type: ignore[index]
        # How many follow the dialogue now: the stage itself, at least.
        expect(slide.locator("[data-presence]")).to_be_visible()
        expect(slide.locator(".presence-count")).to_have_text("1")

        console = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        console.goto(f"/e/{event.slug}/moderate/")
        console.locator(f"#m{question.pk} [data-stage=now]").click()
        expect(stage.locator("#stage-question")).to_have_text(question.text)
        expect(slide).to_be_hidden()
        expect(stage.locator("#stage")).to_have_attribute("data-view", "live")

        console.locator(f"#m{question.pk} [data-stage=answered]").click()
        expect(slide).to_be_visible()
        expect(stage.locator("#stage-live")).to_be_hidden()
        expect(stage.locator("#stage-waiting")).to_be_visible()

    def test_hundreds_of_updates_leave_the_stage_with_as_many_nodes_listeners_and_timers(
        self,
    ) -> None:
        event, moderator, question = self.staffed()
        context = self.new_context(viewport={"width": 1280, "height": 720})
        context.add_init_script(COUNT_TIMERS_JS)
        stage = context.new_page()
        stage.goto(f"/stage/{event.stage_token}/")
        expect(stage.locator("#stage")).to_have_attribute("data-connection", "live")
        # The first count of who follows the dialogue fills in its two places once; wait for it,
        # so that the nodes counted before and after differ only by what the updates left.
        expect(stage.locator("#stage-join-slide .presence-count")).to_have_text("1")
        devtools = context.new_cdp_session(stage)
        devtools.send("Performance.enable")
        # The moderator's commands go through the server's moderator socket, as the console's
        # do, opened from a page of the site in the moderator's browser.
        desk = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        desk.goto("/")
        version = question.version

        def run(steps: list[dict[str, str]], last_text: str) -> None:
            nonlocal version
            version = desk.evaluate(
                DRIVE_MODERATOR_JS,
                {
                    "path": f"/ws/events/{event.slug}/moderate/",
                    "question": question.pk,
                    "version": version,
                    "steps": steps,
                },
            )
            expect(stage.locator("#stage-question")).to_have_text(last_text)

        def measure() -> dict[str, float]:
            devtools.send("HeapProfiler.collectGarbage")
            metrics = devtools.send("Performance.getMetrics")["metrics"]
            values = {metric["name"]: metric["value"] for metric in metrics}
            return {
                "nodes": values["Nodes"],
                "listeners": values["JSEventListeners"],
                "heap": values["JSHeapUsedSize"],
                "timers": stage.evaluate("window.pendingTimers()"),
                "in_page": stage.evaluate(COUNT_NODES_JS),
            }

        def text(number: int) -> str:
            return f"Câu hỏi lượt {number:03d}: {LONG_QUESTION[:400]}"

        def on_and_off(number: int) -> list[dict[str, str]]:
            return [
                {"type": "stage", "stage": "now"},
                {"type": "edit", "text": text(number)},
                {"type": "stage", "stage": "none"},
            ]

        # The first round, then the question left on stage: the state measured at both ends.
        run(
            [*on_and_off(0), {"type": "stage", "stage": "now"}, {"type": "edit", "text": text(1)}],
            text(1),
        )
        first = measure()
        rounds = 110  # 330 stage frames: the join slide and the question, back and forth
        steps = [step for number in range(2, rounds + 2) for step in on_and_off(number)]
        final = rounds + 2
        run(
            [*steps, {"type": "stage", "stage": "now"}, {"type": "edit", "text": text(final)}],
            text(final),
        )
        last = measure()
        # The page holds exactly the nodes it held after the first round; the browser's count
        # (which includes removed nodes still referenced) may differ by the last render's few.
        assert last["in_page"] == first["in_page"], (first, last)
        assert last["nodes"] <= first["nodes"] + 8, (first, last)
        assert last["listeners"] == first["listeners"], (first, last)
        assert last["timers"] <= max(first["timers"], 1), (first, last)
        assert last["heap"] < 2 * first["heap"], (first, last)


# The nodes in the page's document, its text nodes included.
COUNT_NODES_JS = """
() => {
  const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
  let count = 1;
  while (walker.nextNode()) count += 1;
  return count;
}
"""

# Counts the page's pending timers: every timeout not yet run or cleared, every interval not
# cleared. Added before the page's own scripts run.
COUNT_TIMERS_JS = """
(() => {
  const pending = new Set();
  const { setTimeout: later, clearTimeout: cancel } = window;
  const { setInterval: every, clearInterval: stop } = window;
  window.setTimeout = (callback, ...rest) => {
    const id = later((...args) => {
      pending.delete(id);
      if (typeof callback === "function") callback(...args);
    }, ...rest);
    pending.add(id);
    return id;
  };
  window.clearTimeout = (id) => { pending.delete(id); cancel(id); };
  window.setInterval = (...args) => { const id = every(...args); pending.add(id); return id; };
  window.clearInterval = (id) => { pending.delete(id); stop(id); };
  window.pendingTimers = () => pending.size;
})();
"""

# Opens the moderator socket and sends the steps one after the other, each with the
# question's current version, waiting for each reply; returns the last version.
DRIVE_MODERATOR_JS = """
async ({ path, question, version, steps }) => {
  const socket = new WebSocket(`ws://${location.host}${path}`);
  const waiting = new Map();
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    const reply = frame.reply_to && waiting.get(frame.reply_to);
    if (reply) {
      waiting.delete(frame.reply_to);
      reply.resolve(frame);
    }
  });
  const closed = new Promise((_, reject) => socket.addEventListener("close", (event) => {
    reject(new Error(`the moderator socket closed (${event.code})`));
  }));
  closed.catch(() => {});
  await Promise.race([new Promise((resolve) => socket.addEventListener("open", resolve)), closed]);
  let counter = 0;
  for (const step of steps) {
    counter += 1;
    const id = `t${counter}`;
    const answered = new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    socket.send(JSON.stringify({ ...step, id, question, version }));
    const reply = await Promise.race([answered, closed]);
    if (reply.type === "error") throw new Error(JSON.stringify(reply));
    version = reply.questions.find((changed) => changed.id === question).version;
  }
  socket.close();
  return version;
}
"""
