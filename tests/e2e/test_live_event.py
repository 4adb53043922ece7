"""Two citizens in two browsers see each other's questions and votes without reloading."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from dialogue.models import Question, Vote
from events.models import Event
from tests.e2e.browser import DESKTOP, PHONE, BrowserTestCase
from tests.factories import EventFactory, UserFactory, enable_totp, totp_code, verify_email


def join(page: Page, event: Event, nickname: str) -> None:
    page.goto(event.get_absolute_url())
    page.get_by_label("Biệt danh của bạn").fill(nickname)
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Tham gia").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")


class LiveEventTests(BrowserTestCase):
    def test_a_question_asked_in_one_browser_appears_in_the_other_and_votes_follow(self) -> None:
        event = EventFactory(slug="doi-thoai-truc-tiep", title="Đối thoại về Luật Đất đai")
        phone = self.new_context(**PHONE).new_page()
        desktop = self.new_context(**DESKTOP).new_page()
        join(phone, event, "Chị Lan")
        join(desktop, event, "Anh Tuấn")

        phone.get_by_label("Câu hỏi của bạn").fill("Đất nông nghiệp có được tách thửa không?")
        phone.get_by_role("button", name="Gửi câu hỏi").click()

        on_desktop = desktop.locator(
            ".question", has_text="Đất nông nghiệp có được tách thửa không?"
        )
        expect(on_desktop).to_be_visible()
        expect(on_desktop.locator(".question-author")).to_have_text("Chị Lan")
        expect(phone.locator("#ask-form textarea")).to_have_value("")

        on_desktop.locator(".vote-button").click()
        expect(on_desktop.locator(".vote-button")).to_have_attribute("aria-pressed", "true")
        on_phone = phone.locator(".question", has_text="Đất nông nghiệp có được tách thửa không?")
        expect(on_phone.locator(".vote-count")).to_have_text("1")

        question = Question.objects.get()
        assert question.vote_count == 1
        assert Vote.objects.filter(question=question).count() == 1

    def test_pending_questions_show_only_to_their_author_until_approved_in_the_admin(self) -> None:
        event = EventFactory(moderation_mode=Event.Moderation.PRE)
        admin_account = UserFactory(
            email="kiemduyet@example.org",
            password="mat-khau-an-toan",
            is_staff=True,
            is_superuser=True,
        )
        # Staff sign in through allauth with a verified email and an authenticator code.
        verify_email(admin_account)
        secret = enable_totp(admin_account)
        author = self.new_context(**PHONE).new_page()
        other = self.new_context().new_page()
        join(author, event, "Bác Hùng")
        join(other, event, "Cô Mai")

        author.get_by_label("Câu hỏi của bạn").fill("Bồi thường khi thu hồi đất tính thế nào?")
        author.get_by_role("button", name="Gửi câu hỏi").click()
        expect(author.locator("#waiting-list")).to_contain_text("Bồi thường khi thu hồi đất")
        expect(other.locator("#question-list")).not_to_contain_text("Bồi thường khi thu hồi đất")

        # The approve action of the admin, in a third browser: the server process broadcasts.
        admin = self.new_context().new_page()
        admin.goto("/admin/login/?next=/admin/dialogue/question/")
        admin.locator("input[name=login]").fill("kiemduyet@example.org")
        admin.locator("input[name=password]").fill("mat-khau-an-toan")
        admin.get_by_role("button", name="Đăng nhập", exact=True).click()
        admin.locator("input[name=code]").fill(totp_code(secret))
        admin.get_by_role("button", name="Đăng nhập").click()
        expect(admin.locator("#site-name")).to_be_visible()
        admin.goto("/admin/dialogue/question/")
        admin.locator("input[name=_selected_action]").first.check()
        admin.locator("select[name=action]").select_option("approve")
        admin.locator("button[name=index]").click()
        expect(admin.locator(".messagelist")).to_be_visible()

        expect(other.locator("#question-list")).to_contain_text("Bồi thường khi thu hồi đất")
        expect(author.locator("#waiting")).to_be_hidden()

    def test_the_page_works_without_javascript(self) -> None:
        event = EventFactory()
        page = self.new_context(java_script_enabled=False, **DESKTOP).new_page()
        page.goto(event.get_absolute_url())
        page.get_by_label("Biệt danh của bạn").fill("Ông Bảy")
        page.locator("input[name=consent]").check()
        page.get_by_role("button", name="Tham gia").click()
        page.get_by_label("Câu hỏi của bạn").fill("Không có JavaScript vẫn hỏi được chứ?")
        page.get_by_role("button", name="Gửi câu hỏi").click()
        expect(page.locator("#question-list")).to_contain_text(
            "Không có JavaScript vẫn hỏi được chứ?"
        )
        page.locator(".vote-button").first.click()
        expect(page.locator(".vote-button").first).to_have_attribute("aria-pressed", "true")
        assert Vote.objects.count() == 1


class EventPageStateTests(BrowserTestCase):
    """What the page shows of the dialogue's state: ended, and the answered tab."""

    def test_an_ended_dialogue_says_it_has_ended_not_that_it_updates_live(self) -> None:
        event = EventFactory(status=Event.Status.ENDED)
        page = self.new_context(**PHONE).new_page()
        page.goto(event.get_absolute_url())
        connection = page.locator("#connection")
        expect(connection).to_have_attribute("data-state", "ended")
        expect(connection).to_contain_text("đã kết thúc")
        expect(connection).not_to_contain_text("Trực tiếp")

    def test_the_answered_tab_hides_the_questions_not_answered(self) -> None:
        from tests.factories import QuestionFactory

        event = EventFactory()
        QuestionFactory(event=event, text="Câu đã được trả lời", status="answered")
        QuestionFactory(event=event, text="Câu chưa được trả lời", status="approved")
        page = self.new_context(**PHONE).new_page()
        page.goto(event.get_absolute_url())
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        waiting = page.locator(".question", has_text="Câu chưa được trả lời")
        expect(waiting).to_be_visible()
        page.locator(".sort a[data-sort=answered]").click()
        expect(waiting).to_be_hidden()
        expect(page.locator(".question", has_text="Câu đã được trả lời")).to_be_visible()
        page.locator(".sort a[data-sort=recent]").click()
        expect(waiting).to_be_visible()
