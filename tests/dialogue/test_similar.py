"""Similar questions suggested while a question is typed: the moderators' duplicate matching,
on folded text, over published questions only, for those with an ask box, within a limit."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dialogue import selectors
from dialogue.models import Question
from events.models import Event
from moderation import services
from tests.dialogue.test_services import limit
from tests.factories import EventFactory, ParticipantFactory, QuestionFactory, join_form

pytestmark = pytest.mark.django_db

TYPED = "dat nong nghiep co duoc tach thua"  # typed on a phone without diacritics


@pytest.fixture
def event() -> Event:
    event = EventFactory(moderation_mode=Event.Moderation.PRE)
    for text, status in (
        ("Đất nông nghiệp có được tách thửa không?", Question.Status.APPROVED),
        ("Tách thửa đất nông nghiệp cần điều kiện gì?", Question.Status.ANSWERED),
        ("Đất nông nghiệp tách thửa được không, chưa duyệt?", Question.Status.PENDING),
        ("Đất nông nghiệp tách thửa, bị từ chối", Question.Status.REJECTED),
        ("Thủ tục cấp lại căn cước công dân?", Question.Status.APPROVED),
    ):
        QuestionFactory(event=event, text=text, status=status)
    return event


def participant_browser(event: Event) -> Client:
    browser = Client()
    joined = browser.post(reverse("dialogue:join", args=[event.slug]), join_form(event, "Lan"))
    assert joined.status_code == 302
    return browser


def look_up(browser: Client, event: Event, text: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = browser.post(reverse("dialogue:similar", args=[event.slug]), {"q": text})
    return response.status_code, response.json()


def test_a_question_typed_without_diacritics_finds_the_published_ones_like_it(event):
    status, body = look_up(participant_browser(event), event, TYPED)
    assert status == 200
    texts = [question["text"] for question in body["questions"]]
    assert set(texts) == {
        "Đất nông nghiệp có được tách thửa không?",
        "Tách thửa đất nông nghiệp cần điều kiện gì?",
    }
    answered = {q["text"]: q["answered"] for q in body["questions"]}
    assert answered["Tách thửa đất nông nghiệp cần điều kiện gì?"] is True


def test_short_text_finds_nothing(event):
    status, body = look_up(participant_browser(event), event, "dat")
    assert (status, body) == (200, {"questions": [], "articles": []})


def test_only_those_with_an_ask_box_may_look_up(event, citizen):
    assert look_up(Client(), event, TYPED)[0] == 403
    signed_in = Client()
    signed_in.force_login(citizen)
    assert look_up(signed_in, event, TYPED)[0] == 200
    assert not event.participants.filter(user=citizen).exists()  # a look-up does not join


def test_look_ups_are_limited(event, settings):
    limit(settings, "similar", participant="2/minute", ip="100/minute")
    browser = participant_browser(event)
    assert [look_up(browser, event, TYPED)[0] for _ in range(3)] == [200, 200, 429]


def test_a_question_published_since_is_found_at_once(event, moderator):
    asker = ParticipantFactory(event=event)
    pending = QuestionFactory(
        event=event,
        author=asker,
        text="Căn cước công dân gắn chip làm ở đâu?",
        status=Question.Status.PENDING,
    )
    assert selectors.similar_questions(event=event, text="can cuoc cong dan gan chip") == []
    services.approve_question(actor=moderator, event=event, question_id=pending.pk, version=None)
    found = selectors.similar_questions(event=event, text="can cuoc cong dan gan chip")
    assert [question.pk for question in found] == [pending.pk]


def test_the_words_typed_never_travel_in_the_address(event):
    """A GET, with the words in its query string, is refused; the page's script POSTs them."""
    browser = participant_browser(event)
    url = reverse("dialogue:similar", args=[event.slug])
    assert browser.get(url, {"q": TYPED}).status_code == 405
    assert browser.get(url).status_code == 405
    script = (settings.BASE_DIR / "static" / "js" / "similar.js").read_text()
    assert 'method: "POST"' in script
    assert "?q=" not in script


def test_a_look_up_carries_the_pages_csrf_token_in_its_header(event):
    """As the script sends it: the ask form's token in X-CSRFToken; without it, 403."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(event.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    joined = browser.post(
        reverse("dialogue:join", args=[event.slug]),
        {**join_form(event, "Lan"), "csrfmiddlewaretoken": token[1]},
    )
    assert joined.status_code == 302
    page = browser.get(event.get_absolute_url()).content.decode()
    form = page[page.index('id="ask-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token
    url = reverse("dialogue:similar", args=[event.slug])
    assert browser.post(url, {"q": TYPED}).status_code == 403
    found = browser.post(url, {"q": TYPED}, headers={"X-CSRFToken": token[1]})
    assert found.status_code == 200
    assert len(found.json()["questions"]) == 2


@pytest.fixture
def library() -> None:
    from law.demo import create_demo_library
    from law.matching import library_changed

    create_demo_library()
    library_changed()


def test_the_articles_that_may_answer_it_come_beside_the_similar_questions(event, library):
    status, body = look_up(
        participant_browser(event), event, "bo me mat khong de lai di chuc thi ai duoc huong"
    )
    assert status == 200
    assert body["articles"][0] == {
        "document": "Bộ luật Dân sự",
        "number": "651",
        "heading": "Người thừa kế theo pháp luật",
        "url": "/law/bo-luat-dan-su-2015/dieu-651/",
    }
    assert len(body["articles"]) <= selectors.SUGGESTED_ARTICLES


def test_no_article_is_suggested_for_a_question_the_library_does_not_cover(event, library):
    # "giá đất" folds as "gia", as in "gia đình": loose syllables in common are not enough.
    question = "Giá đất bồi thường khi nhà nước thu hồi đất được tính thế nào?"
    assert look_up(participant_browser(event), event, question)[1]["articles"] == []
