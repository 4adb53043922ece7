"""Telling every asker, and their data: consent on joining, the private link to their questions,
erasing their data from it, and the email when a question is answered."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from dialogue import selectors
from dialogue import services as dialogue_services
from dialogue.models import Answer, Participant, Question
from events.models import Event, User
from live import broadcast
from moderation import services
from tests.factories import (
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    join_form,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_event(event: Event) -> Event:
    """The shared `event` (with its `moderator` and `official`), screened before publishing."""
    Event.objects.filter(pk=event.pk).update(moderation_mode=Event.Moderation.PRE)
    event.refresh_from_db()
    return event


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every frame handed to the channel layer, with its group."""
    captured: list[tuple[str, dict[str, Any]]] = []

    def capture(group: str, message: dict[str, Any]) -> None:
        if "text" in message:
            captured.append((group, json.loads(message["text"])))
        else:
            captured.append((group, message))

    monkeypatch.setattr(broadcast, "send", capture)
    return captured


def joined(event: Event, nickname: str = "Chị Lan", **extra: str) -> Client:
    browser = Client()
    response = browser.post(
        reverse("dialogue:join", args=[event.slug]), {**join_form(event, nickname), **extra}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return browser


def ask(browser: Client, event: Event, text: str) -> None:
    response = browser.post(
        reverse("dialogue:ask", args=[event.slug]), {"text": text, "client_id": uuid.uuid4()}
    )
    assert response.status_code == 302


def follow_link(browser: Client, event: Event) -> str:
    page = browser.get(event.get_absolute_url()).content.decode()
    found = re.search(r'id="follow-url" type="text" readonly value="([^"]+)"', page)
    assert found, "the event page shows no private link"
    return found.group(1).removeprefix("http://testserver")


# --- Consent --------------------------------------------------------------------------------


def test_joining_with_a_nickname_needs_consent_and_records_its_time_and_version(
    live_event, settings
):
    url = reverse("dialogue:join", args=[live_event.slug])
    data = join_form(live_event, "Chị Lan")
    del data["consent"]
    refused = Client().post(url, data)
    assert refused.status_code == 400
    assert "thông báo về dữ liệu cá nhân" in refused.content.decode()
    assert not Participant.objects.exists()

    settings.PRIVACY = {**settings.PRIVACY, "notice_version": "2027-01"}
    joined(live_event, email="lan@example.vn")
    participant = Participant.objects.get()
    assert participant.consented_at is not None
    assert participant.consent_version == "2027-01"
    assert participant.email == "lan@example.vn"


def test_the_join_form_shows_the_notice_with_a_link_to_the_privacy_page(live_event):
    page = Client().get(live_event.get_absolute_url()).content.decode()
    assert 'name="consent"' in page
    assert reverse("events:privacy") in page


def test_a_bad_email_on_joining_is_refused_and_changes_nothing(live_event):
    data = {**join_form(live_event, "Chị Lan"), "email": "not an address"}
    response = Client().post(reverse("dialogue:join", args=[live_event.slug]), data)
    assert response.status_code == 400
    assert not Participant.objects.exists()


def test_the_service_refuses_a_nickname_join_without_consent(live_event):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from live.errors import NotAllowed

    with pytest.raises(NotAllowed):
        dialogue_services.join_event(
            event=live_event, user=AnonymousUser(), session=SessionStore(), nickname="Lan"
        )
    assert not Participant.objects.exists()


def test_sign_up_needs_consent_and_records_it(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    data = {"email": "hoa@example.vn", "password1": "Mật-khẩu-dài-1", "password2": "Mật-khẩu-dài-1"}
    refused = client.post(reverse("account_signup"), data)
    assert refused.status_code == 200
    assert not User.objects.filter(email="hoa@example.vn").exists()
    assert reverse("events:privacy") in refused.content.decode()

    client.post(reverse("account_signup"), {**data, "consent": "on"})
    user = User.objects.get(email="hoa@example.vn")
    assert user.consented_at is not None
    assert user.consent_version == settings.PRIVACY["notice_version"]


# --- The private link -----------------------------------------------------------------------


def test_the_private_link_works_without_an_account_from_another_browser(
    live_event, moderator, official
):
    lan = joined(live_event)
    ask(lan, live_event, "Đất trồng lúa có được chuyển sang đất ở không?")
    ask(lan, live_event, "Mua bán hàng hoá trên mạng xã hội có phải đóng thuế không?")
    link = follow_link(lan, live_event)
    rejected, routed = Question.objects.order_by("pk")
    services.reject_question(
        actor=moderator,
        event=live_event,
        question_id=routed.pk,
        version=None,
        reason=Question.RejectionReason.OFF_TOPIC,
        note="Xin hỏi tại buổi đối thoại về thuế.",
    )
    services.approve_question(
        actor=moderator, event=live_event, question_id=rejected.pk, version=None
    )
    services.route_question(
        actor=moderator,
        event=live_event,
        question_id=rejected.pk,
        version=None,
        official_id=official.pk,
    )
    Question.objects.filter(pk=rejected.pk).update(answer_due_at="2030-03-15T10:00:00+07:00")

    elsewhere = Client()  # another phone, no session, no account
    page = elsewhere.get(link)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    text = page.content.decode()
    assert "Đất trồng lúa" in text
    assert "Mua bán hàng hoá" in text
    assert "Xin hỏi tại buổi đối thoại về thuế." in text  # the note of the rejected one
    assert "15/03/2030" in text  # the written answer's due date

    services.write_answer(
        actor=official,
        event=live_event,
        question_id=rejected.pk,
        body="Theo Điều 121 Luật Đất đai 2024, cần được Ủy ban nhân dân cấp huyện cho phép.",
        publish=True,
    )
    assert "Điều 121" in elsewhere.get(link).content.decode()


def test_a_forged_or_foreign_link_shows_nothing(live_event):
    lan = joined(live_event)
    ask(lan, live_event, "Câu hỏi của chị Lan")
    link = follow_link(lan, live_event)
    other = EventFactory()
    assert Client().get(link[:-3] + "xyz/").status_code == 404
    assert Client().get(link.replace(live_event.slug, other.slug)).status_code == 404
    token = link.rstrip("/").rsplit("/", 1)[1]
    participant_id, version = token.split(":")[0].split(".")
    forged = f"{int(participant_id) + 1}.{version}:{token.split(':')[1]}"
    assert Client().get(reverse("dialogue:mine", args=[live_event.slug, forged])).status_code == 404


def test_the_link_is_offered_once_joined_and_opened_once_asked(live_event):
    lan = joined(live_event)
    page = lan.get(live_event.get_absolute_url()).content.decode()
    assert '<details class="follow">' in page
    assert 'id="follow-url"' in page
    ask(lan, live_event, "Câu hỏi đầu tiên")
    assert (
        '<details class="follow" open>' in lan.get(live_event.get_absolute_url()).content.decode()
    )
    assert 'id="follow-url"' not in Client().get(live_event.get_absolute_url()).content.decode()


def test_a_page_that_carries_the_private_link_is_never_kept(live_event):
    lan = joined(live_event)
    assert lan.get(live_event.get_absolute_url())["Cache-Control"] == "private, no-store"
    assert "no-store" not in Client().get(live_event.get_absolute_url()).get("Cache-Control", "")


def test_signed_in_askers_get_no_private_link(live_event, citizen):
    browser = Client()
    browser.force_login(citizen)
    ask(browser, live_event, "Tôi hỏi khi đã đăng nhập")
    assert 'id="follow-url"' not in browser.get(live_event.get_absolute_url()).content.decode()


# --- Erasing one's data ---------------------------------------------------------------------


def test_the_follow_token_names_one_participant_of_one_event(live_event):
    participant = ParticipantFactory(event=live_event)
    token = selectors.follow_token(participant)
    assert selectors.participant_by_follow_token(event=live_event, token=token) == participant
    assert selectors.participant_by_follow_token(event=EventFactory(), token=token) is None


# --- The email when answered ----------------------------------------------------------------


def test_a_nickname_asker_who_left_an_email_hears_of_a_live_answer_once(
    live_event, moderator, run_tasks, django_capture_on_commit_callbacks
):
    asker = ParticipantFactory(event=live_event, nickname="Anh Tuấn", email="tuan@example.vn")
    question = QuestionFactory(event=live_event, author=asker, status=Question.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_stage(
            actor=moderator, event=live_event, question_id=question.pk, version=None, stage="now"
        )
        services.set_stage(
            actor=moderator,
            event=live_event,
            question_id=question.pk,
            version=None,
            stage="answered",
        )
    assert run_tasks() == 1
    assert [message.to for message in mail.outbox] == [["tuan@example.vn"]]
    assert "trả lời trực tiếp" in mail.outbox[0].body
    assert Answer.objects.get(question=question).kind == Answer.Kind.LIVE


def test_a_nickname_asker_without_an_email_gets_no_mail(live_event, moderator, run_tasks):
    asker = ParticipantFactory(event=live_event, nickname="Cô Tư")
    question = QuestionFactory(event=live_event, author=asker, status=Question.Status.APPROVED)
    services.set_stage(
        actor=moderator, event=live_event, question_id=question.pk, version=None, stage="answered"
    )
    run_tasks()
    assert mail.outbox == []
