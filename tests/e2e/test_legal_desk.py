"""The legal desk in the browser: an official finds the law that answers a question, cites a
clause with one tap, publishes, and the archive and the article's page show it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from dialogue.models import Citation
from events import services
from events.models import AgencyMembership, EventRole
from law.demo import create_demo_library
from tests.e2e.browser import DESKTOP, PHONE, BrowserTestCase
from tests.e2e.test_moderation import signed_in
from tests.factories import AgencyFactory, QuestionFactory, UserFactory, enable_totp

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
