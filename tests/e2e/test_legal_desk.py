"""The legal desk in the browser: an official finds the law that answers a question, cites a
clause with one tap, publishes, and the archive and the article's page show it; the moderator
sees the themes of a live room and confirms the merge they suggest."""

from __future__ import annotations

import re

from playwright.sync_api import Dialog, expect

from dialogue.models import Citation, Question
from events import services
from events.models import AgencyMembership, Event, EventRole
from law.demo import create_demo_library
from law.matching import library_changed
from moderation import tasks
from tests.e2e.browser import DESKTOP, PHONE, BrowserTestCase, in_thread
from tests.e2e.test_moderation import signed_in
from tests.factories import (
    AgencyFactory,
    EventFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)

QUESTION = "Bố tôi mất không để lại di chúc thì ai được hưởng di sản?"
ANSWER = "Khi không có di chúc, di sản được chia theo pháp luật, theo hàng thừa kế."


class LegalDeskTests(BrowserTestCase):
    def test_an_official_cites_a_clause_and_the_archive_and_the_articles_page_show_it(self) -> None:
        create_demo_library()
        agency = AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", slug="so-tu-phap-bac-ninh")
        organiser, official = (UserFactory(display_name=n) for n in ("Ban Tổ chức", "Đức Long"))
        AgencyMembership.objects.create(agency=agency, user=organiser)
        standing = services.open_standing_qa(actor=organiser, agency=agency, answer_days=10)
        EventRole.objects.create(event=standing, user=official, role="official")
        enable_totp(official)
        QuestionFactory(event=standing, text=QUESTION, routed_to=official)

        # The official writes, finds the law, and cites clause 1 of article 650 with one tap.
        desk = signed_in(self.new_context(**DESKTOP), official, self.live_server_url).new_page()
        desk.goto(f"/e/{standing.slug}/answer/")
        card = desk.locator(".card", has_text="di chúc")
        card.locator("textarea").fill(ANSWER)
        card.get_by_role("button", name="Tìm quy định pháp luật trả lời câu hỏi").click()
        article = card.locator(".law-suggestions > li", has_text="Điều 650")
        expect(article).to_contain_text("Những trường hợp thừa kế theo pháp luật")
        expect(article.locator(".badge")).to_have_text("Còn hiệu lực")
        article.get_by_role("button", name="Trích dẫn Khoản 1").click()
        cited = card.locator(".official-citations li")
        expect(cited).to_contain_text("Khoản 1, Điều 650, Bộ luật Dân sự")
        expect(cited.locator("blockquote")).to_contain_text("a) Không có di chúc;")
        expect(cited.locator("a")).to_have_attribute(
            "href", "/law/bo-luat-dan-su-2015/dieu-650/#khoan-1"
        )
        # The draft in the box was saved before the citation, and stays.
        expect(card.locator("textarea")).to_have_value(ANSWER)
        card.locator("button[value=publish]").click()
        expect(desk.locator(".card", has_text="di chúc")).to_have_class(re.compile("card-answered"))
        assert Citation.objects.get().clause.number == "1"

        # The archive shows the citation clause by clause; the article's page lists the question.
        reader = self.new_context(**PHONE).new_page()
        reader.goto(f"/e/{standing.slug}/archive/")
        citations = reader.locator(".answer-citations")
        expect(citations).to_contain_text("Khoản 1, Điều 650, Bộ luật Dân sự")
        expect(citations.locator("blockquote")).to_contain_text("a) Không có di chúc;")
        citations.get_by_role("link", name=re.compile("Khoản 1, Điều 650")).click()
        expect(reader).to_have_url(re.compile("/law/bo-luat-dan-su-2015/dieu-650/#khoan-1$"))
        expect(reader.locator("#law-faq")).to_contain_text(QUESTION)


# A live room: two matters, each asked in different words (tests/moderation/test_themes.py).
ROOM = [
    "Bố tôi mất không để lại di chúc thì ai được hưởng di sản?",
    "Vợ đang mang thai thì chồng có được yêu cầu ly hôn không?",
    "Cha mất không có di chúc, con riêng có được hưởng di sản thừa kế không?",
    "Chồng có quyền ly hôn khi vợ đang mang thai không ạ?",
    "Ông mất không để lại di chúc thì di sản chia thế nào?",
]


class ThemesTests(BrowserTestCase):
    """The themes the task worker makes reach the moderator's console, and a merge it suggests
    is made when the moderator confirms it."""

    shared_cache = True  # this test makes the themes as the task worker does

    def test_the_moderator_sees_the_room_s_themes_and_confirms_a_suggested_merge(self) -> None:
        create_demo_library()
        library_changed()
        event = EventFactory(status=Event.Status.LIVE, slug="doi-thoai-chu-de")
        moderator = UserFactory(display_name="Phạm Thu Hà")
        EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
        enable_totp(moderator)
        asked = [QuestionFactory(event=event, text=text) for text in ROOM]
        in_thread(lambda: tasks.refresh_themes.call(event.pk))  # as the task worker does

        console = signed_in(self.new_context(), moderator, self.live_server_url).new_page()
        console.goto(f"/e/{event.slug}/moderate/")
        themes = console.locator("#themes-list > li")
        expect(themes).to_have_count(2)
        inheritance = themes.filter(has_text="di chúc")
        expect(inheritance).to_contain_text("3 câu hỏi:")
        for question in (asked[0], asked[2], asked[4]):
            expect(inheritance.get_by_role("link", name=f"#{question.pk}")).to_be_visible()
        expect(
            inheritance.locator("a[href^='/law/bo-luat-dan-su-2015/dieu-']").first
        ).to_be_visible()
        divorce = themes.filter(has_text="ly hôn")
        expect(divorce).to_contain_text(f"#{asked[3].pk}")

        # The near duplicate is offered for merging; nothing is merged until a person confirms.
        assert not Question.objects.filter(status=Question.Status.MERGED).exists()
        confirmed: list[str] = []

        def accept(dialog: Dialog) -> None:
            confirmed.append(dialog.message)
            dialog.accept()

        console.once("dialog", accept)
        divorce.get_by_role("button", name="Gộp…").click()
        expect(console.locator(f"#m{asked[3].pk}")).to_contain_text(
            f"Đã gộp vào câu hỏi #{asked[1].pk}"
        )
        assert confirmed == [f"Gộp #{asked[3].pk} vào #{asked[1].pk}?"]
        merged = Question.objects.get(pk=asked[3].pk)
        assert (merged.status, merged.merged_into_id) == (Question.Status.MERGED, asked[1].pk)
