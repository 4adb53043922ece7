"""The citizen pages without JavaScript: plain GET and POST."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from dialogue.models import Participant, Question, Vote
from events.models import Event
from tests.factories import EventFactory, QuestionFactory, join_form

pytestmark = pytest.mark.django_db


def join(client, event: Event, nickname: str = "Chị Lan") -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("dialogue:join", args=[event.slug]), join_form(event, nickname))
    assert response.status_code == 302


def catalogue_sections(client, path: str = "/") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The catalogue's live, upcoming and past sections, as HTML, by name."""
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    _, rest = page.split('id="live-heading"')
    live, rest = rest.split('id="upcoming-heading"')
    upcoming, past = rest.split('id="past-heading"')
    return {"live": live, "upcoming": upcoming, "past": past}


def test_the_catalogue_groups_live_upcoming_and_past_and_hides_drafts(client):
    EventFactory(title="Đang diễn ra")
    EventFactory(title="Bản nháp", status=Event.Status.DRAFT)
    EventFactory(title="Sắp tới", status=Event.Status.SCHEDULED)
    EventFactory(title="Đã kết thúc", status=Event.Status.ENDED)
    sections = catalogue_sections(client)
    assert "Đang diễn ra" in sections["live"]
    assert "Sắp tới" in sections["upcoming"]
    assert "Đã kết thúc" in sections["past"]
    assert "Bản nháp" not in "".join(sections.values())


def test_the_catalogue_is_rendered_once_and_shows_every_change_at_once(
    client, django_assert_max_num_queries
):
    event = EventFactory(title="Đối thoại về Luật Đất đai")
    assert "Đối thoại về Luật Đất đai" in catalogue_sections(client)["live"]
    with django_assert_max_num_queries(1):  # the session's, if any; no dialogue, no agency
        assert "Đối thoại về Luật Đất đai" in catalogue_sections(client)["live"]
    event.title = "Đối thoại về Luật Nhà ở"
    event.save()
    assert "Đối thoại về Luật Nhà ở" in catalogue_sections(client)["live"]
    event.status = Event.Status.ENDED
    event.save()
    sections = catalogue_sections(client)
    assert "Luật Nhà ở" in sections["past"]
    assert "Luật Nhà ở" not in sections["live"]
    event.agency.name = "Bộ Xây dựng"
    event.agency.save()
    page = client.get("/").content.decode()
    assert page.count("Bộ Xây dựng") == 2  # in the past dialogue's card and the agency filter
    EventFactory(title="Đối thoại mới")
    assert "Đối thoại mới" in catalogue_sections(client)["live"]
    event.delete()
    assert "Luật Nhà ở" not in client.get("/").content.decode()


def test_the_catalogue_keeps_each_filter_and_language_apart(client):
    housing = EventFactory(title="Nhà ở xã hội", legal_field=Event.LegalField.LAND)
    EventFactory(title="Thuế thu nhập", legal_field=Event.LegalField.TAX, agency=housing.agency)
    everything = catalogue_sections(client)["live"]
    housing_only = catalogue_sections(client, "/?field=land")["live"]
    assert "Thuế thu nhập" in everything
    assert "Nhà ở xã hội" in housing_only
    assert "Thuế thu nhập" not in housing_only
    assert "Đang trực tiếp" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert "Live now" in english
    assert "All agencies" in english
    assert "Đang trực tiếp" not in english


def test_the_event_page_is_vietnamese_by_default_and_english_on_request(client, event):
    assert "Đặt câu hỏi" in client.get(event.get_absolute_url()).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Ask a question" in client.get(event.get_absolute_url()).content.decode()


def test_drafts_are_not_found(client):
    assert client.get(EventFactory(status=Event.Status.DRAFT).get_absolute_url()).status_code == 404


def test_questions_sort_by_votes_or_by_time(client, event):
    older = QuestionFactory(event=event, vote_count=9)
    newer = QuestionFactory(event=event, vote_count=1)
    popular = client.get(event.get_absolute_url()).context["questions"]
    recent = client.get(event.get_absolute_url() + "?sort=recent").context["questions"]
    assert list(popular) == [older, newer]
    assert list(recent) == [newer, older]


def test_joining_asking_and_voting_work_with_plain_forms(client, event):
    join(client, event)
    client_id = str(uuid.uuid4())
    ask = reverse("dialogue:ask", args=[event.slug])
    for _ in range(2):  # a double submit stores one question
        response = client.post(
            ask, {"text": "Đất ở nông thôn tách thửa được không?", "client_id": client_id}
        )
        assert response.status_code == 302
    question = Question.objects.get()
    assert question.author.nickname == "Chị Lan"
    vote = reverse("dialogue:vote", args=[event.slug, question.pk])
    client.post(vote, {"action": "vote"})
    assert Vote.objects.count() == 1
    page = client.get(event.get_absolute_url())
    assert question.pk in page.context["voted"]
    client.post(vote, {"action": "unvote"})
    assert Vote.objects.count() == 0


def test_a_too_long_question_is_refused_with_a_form_error_and_nothing_is_stored(client, event):
    join(client, event)
    response = client.post(
        reverse("dialogue:ask", args=[event.slug]),
        {"text": "x" * 501, "client_id": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert response.context["ask_form"].errors["text"]
    assert not Question.objects.exists()


def test_a_long_question_is_kept_whole_and_its_counter_knows_the_limit(client, event):
    join(client, event)
    pasted = "x" * 900
    response = client.post(
        reverse("dialogue:ask", args=[event.slug]), {"text": pasted, "client_id": str(uuid.uuid4())}
    )
    page = response.content.decode()
    textarea = re.search(r"<textarea[^>]*>", page)
    assert textarea is not None
    assert "maxlength" not in textarea.group(0)  # a maxlength would cut a paste without a word
    assert f">\n{pasted}</textarea>" in page or f">{pasted}</textarea>" in page
    assert 'data-counter-for="id_text" data-max="500"' in page
    assert '<span class="counter-used">900</span>/500' in page


def test_pending_questions_are_shown_to_their_author_only(client, event):
    Event.objects.filter(pk=event.pk).update(moderation_mode=Event.Moderation.PRE)
    join(client, event)
    client.post(
        reverse("dialogue:ask", args=[event.slug]),
        {"text": "Câu hỏi chờ duyệt", "client_id": str(uuid.uuid4())},
    )
    mine = client.get(event.get_absolute_url())
    assert [q.text for q in mine.context["waiting"]] == ["Câu hỏi chờ duyệt"]
    assert "Câu hỏi chờ duyệt" in mine.content.decode()
    client.cookies.clear()
    assert "Câu hỏi chờ duyệt" not in client.get(event.get_absolute_url()).content.decode()


def test_voting_without_a_nickname_asks_to_join_and_changes_nothing(client, event):
    question = QuestionFactory(event=event)
    response = client.post(
        reverse("dialogue:vote", args=[event.slug, question.pk]), {"action": "vote"}, follow=True
    )
    assert not Vote.objects.exists()
    assert not Participant.objects.filter(event=event, nickname="").exists()
    assert [str(m) for m in response.context["messages"]]


def test_an_event_without_anonymous_participation_offers_sign_in(client):
    event = EventFactory(allow_anonymous=False)
    page = client.get(event.get_absolute_url()).content.decode()
    assert reverse("account_login") in page
    response = client.post(reverse("dialogue:join", args=[event.slug]), join_form(event, "Lan"))
    assert response.status_code == 400
    assert not Participant.objects.exists()


def test_the_page_carries_no_inline_script_and_a_strict_policy(client, event):
    response = client.get(event.get_absolute_url())
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script>" not in html
    assert 'type="module"' in html


def test_vietnamese_is_kept_even_when_the_browser_prefers_english(client, event):
    page = client.get(event.get_absolute_url(), headers={"accept-language": "en-US,en;q=0.9"})
    assert 'lang="vi"' in page.content.decode()


def _vote_form(page: str, question: Question) -> str:
    """The vote form of one question in a page's HTML."""
    start = page.index(f'id="q{question.pk}"')
    return page[start : page.index("</form>", start)]


def test_the_reused_question_list_is_each_visitor_s_own(event):
    from django.test import Client

    question = QuestionFactory(event=event)
    lan, minh = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser, name in ((lan, "Chị Lan"), (minh, "Anh Minh")):
        browser.get(event.get_absolute_url())  # the CSRF cookie
        token = browser.cookies["csrftoken"].value
        browser.post(
            reverse("dialogue:join", args=[event.slug]),
            {**join_form(event, name), "csrfmiddlewaretoken": token},
        )
    # Lan votes with the token rendered into her page's vote form.
    form = _vote_form(lan.get(event.get_absolute_url()).content.decode(), question)
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    vote = reverse("dialogue:vote", args=[event.slug, question.pk])
    assert lan.post(vote, {"action": "vote", "csrfmiddlewaretoken": token}).status_code == 302
    lan_form = _vote_form(lan.get(event.get_absolute_url()).content.decode(), question)
    minh_form = _vote_form(minh.get(event.get_absolute_url()).content.decode(), question)
    assert 'aria-pressed="true"' in lan_form
    assert 'aria-pressed="false"' in minh_form
    assert '<span class="vote-count">1</span>' in minh_form  # the new count, at once
    # Minh's form carries a token of his own that the server accepts.
    token = minh_form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert minh.post(vote, {"action": "vote", "csrfmiddlewaretoken": token}).status_code == 302
    assert Vote.objects.filter(question=question).count() == 2


def test_a_question_cannot_borrow_the_visitor_s_token(client, event):
    from dialogue.fragments import _PLACEHOLDER_ATTRIBUTE

    question = QuestionFactory(event=event, text=f"Xin hỏi {_PLACEHOLDER_ATTRIBUTE} là gì?")
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Xin hỏi value=&quot;csrf-token-of-the-visitor&quot; là gì?" in page
    assert question.text not in page


def test_the_answered_tab_lists_answered_questions_only(client, event):
    answered = QuestionFactory(event=event, text="Đã được trả lời?", status="answered")
    QuestionFactory(event=event, text="Chưa được trả lời?", status="approved")
    page = client.get(event.get_absolute_url() + "?sort=answered").content.decode()
    assert answered.text in page
    assert "Chưa được trả lời?" not in page
    assert 'data-sort="answered" aria-current="true"' in page


def test_the_catalogue_shows_live_dialogues_before_its_filters_which_fold_until_one_is_set(client):
    EventFactory(title="Đang diễn ra")
    page = client.get("/").content.decode()
    assert page.index('id="live-heading"') < page.index('id="catalogue-filters"')
    assert page.index('id="catalogue-filters"') < page.index('id="upcoming-heading"')
    assert '<details class="catalogue-filters-box" id="catalogue-filters">' in page

    searched = client.get("/", {"q": "đất đai"}).content.decode()
    assert '<details class="catalogue-filters-box" id="catalogue-filters" open>' in searched
