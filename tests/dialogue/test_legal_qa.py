"""The legal Q&A ("Hỏi đáp pháp luật") as a public service: found from the home page, every
agency's standing Q&A to ask in, and the published answers as an FAQ by legal field and agency."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue import selectors
from dialogue.models import Answer, Question
from events import services
from events.models import Agency, Event, User
from tests.dialogue.scenes import archived_dialogue
from tests.factories import (
    AgencyFactory,
    AgencyMembershipFactory,
    ParticipantFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db

LEGAL_QA = reverse("dialogue:legal_qa")


def standing_qa_of(agency: Agency) -> Event:
    """The agency's standing Q&A, opened by one of its organisers."""
    organiser = AgencyMembershipFactory(agency=agency).user
    return services.open_standing_qa(actor=organiser, agency=agency, answer_days=10)


def published_answer(event: Event, text: str, field: str, body: str) -> Question:
    """A question of the standing Q&A in `field`, answered in writing and published."""
    question = QuestionFactory(
        event=event,
        author=ParticipantFactory(event=event),
        text=text,
        topic=selectors.legal_field_topic(field),
        status=Question.Status.ANSWERED,
    )
    Answer.objects.create(
        question=question, kind=Answer.Kind.WRITTEN, body=body, published_at=timezone.now()
    )
    return question


@pytest.fixture
def standing() -> Event:
    return standing_qa_of(AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", slug="stp-bac-ninh"))


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def page(query: str = "", language: str = "vi") -> str:
    client = client_in(language)
    response = client.get(LEGAL_QA + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_home_page_leads_to_the_legal_qa_from_its_navigation_and_its_own_entry():
    home = client_in("vi").get("/").content.decode()
    assert f'href="{LEGAL_QA}"' in home.split("</header>")[0]
    entry = home.split('class="legal-qa-entry"')[1].split("</section>")[0]
    assert "Hỏi đáp pháp luật" in entry
    assert f'href="{LEGAL_QA}"' in entry
    english = client_in("en").get("/").content.decode()
    assert ">Legal Q&A</" in english


def test_it_lists_every_agency_standing_qa_with_a_link_to_ask_and_to_the_agency(standing):
    other = standing_qa_of(AgencyFactory(name="Bộ Tư pháp", slug="bo-tu-phap"))
    closed = standing_qa_of(AgencyFactory(name="Sở chưa mở", slug="so-chua-mo"))
    Event.objects.filter(pk=closed.pk).update(status=Event.Status.DRAFT)
    html = page()
    services_part = html.split('id="ask-an-agency"')[1].split("</section>")[0]
    for event in (standing, other):
        assert f'href="{event.get_absolute_url()}#ask"' in services_part
        assert f'href="{event.agency.get_absolute_url()}"' in services_part
    assert "Sở chưa mở" not in services_part
    # Bộ before Sở: by agency name.
    assert services_part.index("Bộ Tư pháp") < services_part.index("Sở Tư pháp tỉnh Bắc Ninh")


def test_answers_are_browsed_by_legal_field_from_standing_qas_and_dialogues_alike(standing):
    land = published_answer(
        standing, "Sổ đỏ cấp lại mất bao lâu?", "land", "Trong 10 ngày làm việc."
    )
    family = published_answer(standing, "Ly hôn đơn phương ở đâu?", "family", "Tòa án nơi cư trú.")
    _event, dialogue_land = archived_dialogue()  # a dialogue whose field is land
    counts = {value: count for value, _label, count in selectors.answers_by_legal_field()}
    assert counts["land"] == 2
    assert counts["family"] == 1
    assert counts["tax"] == 0
    faq = page("?field=land").split('id="answers"')[1]
    assert land.text in faq
    assert dialogue_land.text in faq
    assert family.text not in faq
    assert "Trong 10 ngày làm việc." in faq
    assert f'href="{standing.agency.get_absolute_url()}"' in faq


def test_answers_are_browsed_by_agency_and_unpublished_answers_stay_out(standing):
    mine = published_answer(standing, "Hỏi về hộ tịch?", "civil", "Đăng ký tại UBND xã.")
    other_agency = standing_qa_of(AgencyFactory(name="Sở khác", slug="so-khac"))
    theirs = published_answer(other_agency, "Hỏi về thuế đất?", "tax", "Nộp tại Chi cục Thuế.")
    unpublished = published_answer(standing, "Chưa công bố?", "civil", "Bản nháp.")
    Answer.objects.filter(question=unpublished).update(published_at=None)
    faq = page(f"?agency={standing.agency.slug}").split('id="answers"')[1]
    assert mine.text in faq
    assert theirs.text not in faq
    assert unpublished.text not in faq


def test_its_search_finds_a_standing_qa_answer_without_diacritics_within_a_field(standing):
    found = published_answer(
        standing, "Đặt cọc viết tay có hiệu lực không?", "civil", "Có, theo Điều 328."
    )
    published_answer(standing, "Đặt cọc thuê nhà?", "land", "Theo hợp đồng thuê.")
    results = page("?q=dat+coc&field=civil").split('id="answers"')[1]
    assert found.text in results
    assert "Đặt cọc thuê nhà?" not in results
    # The catalogue's own search, by field, now finds standing Q&A questions too.
    assert selectors.search_questions(query="dat coc", legal_field="civil") == [found]


def test_a_wrong_filter_is_a_clear_error_and_shows_nothing_else():
    response = client_in("en").get(LEGAL_QA + "?field=astrology")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_agency_names_link_to_the_agency_page_on_dialogue_pages(standing, citizen: User):
    event, _question = archived_dialogue()
    agency_link = f'<a href="{event.agency.get_absolute_url()}">{event.agency.name}</a>'
    client = Client()
    for url in (
        event.get_absolute_url(),
        reverse("dialogue:archive", args=[event.slug]),
        reverse("dialogue:catalogue"),
        reverse("dialogue:catalogue") + "?q=tach+thua",
    ):
        assert agency_link in client.get(url).content.decode(), url
    standing_link = f'<a href="{standing.agency.get_absolute_url()}">{standing.agency.name}</a>'
    assert standing_link in client.get(standing.get_absolute_url()).content.decode()
