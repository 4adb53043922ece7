"""Zalo: each step told by the agency's Official Account as a ZNS template message to the
number the asker agreed to be told at. Against a server on loopback that speaks Zalo's
published API and checks the request's shape and tokens: an access token refreshed with a
refresh token that works once, an expired token refreshed and the message sent again, a rate
limit retried later, a refusal for good not retried, and each step sent once."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dialogue import receipts
from dialogue import services as dialogue_services
from dialogue.models import Notice, Participant, Question, ZaloToken
from dialogue.notices import Message, Step, tell_asker
from erasure.services import erase_participant
from events.models import Event
from tests.factories import ParticipantFactory, UserFactory
from tests.notifyservers import APP_ID, APP_SECRET, TEMPLATE_ID, Zalo

pytestmark = pytest.mark.django_db


@pytest.fixture
def zalo(settings) -> Iterator[Zalo]:  # type: ignore[no-untyped-def]
    server = Zalo()
    settings.ZALO_ZNS_ENABLED = True
    settings.ZALO_APP_ID = APP_ID
    settings.ZALO_APP_SECRET = APP_SECRET
    settings.ZALO_REFRESH_TOKEN = "RT-0"
    settings.ZALO_ZNS_TEMPLATE_ID = TEMPLATE_ID
    settings.ZALO_API_URL = settings.ZALO_OAUTH_URL = server.url
    yield server
    server.close()


@pytest.fixture
def asker(standing: Event) -> Participant:
    return ParticipantFactory(
        event=standing, nickname="Anh Minh", phone="0912345678", zalo_opt_in=True
    )


def ask(participant: Participant) -> Question:
    return dialogue_services.ask_question(
        participant=participant,
        text="Thủ tục đăng ký kết hôn với người nước ngoài?",
        client_id=uuid.uuid4(),
        legal_field="family",
    )


def zalo_tasks():  # type: ignore[no-untyped-def]
    return DBTaskResult.objects.filter(task_path__endswith="send_zalo").order_by("enqueued_at")


def test_the_receipt_goes_to_zalo_in_the_approved_template(zalo, asker, run_tasks):
    question = ask(asker)
    assert zalo.sent == []  # queued with the question; the worker sends it
    run_tasks()
    [sent] = zalo.sent
    assert sent["phone"] == "84912345678"
    assert sent["template_id"] == TEMPLATE_ID
    assert sent["template_data"]["ma_tra_cuu"] == question.grouped_tracking_code
    assert sent["template_data"]["trang_thai"] == "Đã tiếp nhận"
    due = receipts.due_at(question)
    assert due is not None
    assert sent["template_data"]["ngay"] == timezone.localtime(due).strftime("%d/%m/%Y")
    assert sent["tracking_id"] == f"{question.pk}-received"
    # The task carries no number and no words: it reads them when it runs.
    [task] = zalo_tasks()
    assert "0912345678" not in str(task.args_kwargs)
    assert "kết hôn" not in str(task.args_kwargs)
    assert zalo.problems == []


def test_the_first_send_refreshes_the_token_and_keeps_the_new_pair(zalo, asker, run_tasks):
    ask(asker)
    run_tasks()
    assert zalo.refreshes == 1
    token = ZaloToken.objects.get()
    assert (token.access_token, token.refresh_token) == ("AT-1", "RT-1")
    assert token.expires_at > timezone.now() + timedelta(hours=24)
    # The next message uses the kept token: no refresh.
    tell_asker(Question.objects.get(), Step.PUBLISHED, lambda: Message("Đã công bố", "…"))
    run_tasks()
    assert zalo.refreshes == 1
    assert len(zalo.sent) == 2


def test_an_expired_token_is_refreshed_and_the_message_sent_again(zalo, asker, run_tasks):
    ask(asker)
    run_tasks()
    zalo.expire()  # Zalo no longer takes AT-1, though it is not yet due to expire here
    tell_asker(Question.objects.get(), Step.PUBLISHED, lambda: Message("Đã công bố", "…"))
    run_tasks()
    assert [sent["template_data"]["trang_thai"] for sent in zalo.sent] == [
        "Đã tiếp nhận",
        "Đã đăng",
    ]
    assert zalo.refreshes == 2
    assert ZaloToken.objects.get().refresh_token == "RT-2"
    assert [row.status for row in zalo_tasks()] == ["SUCCESSFUL", "SUCCESSFUL"]


def test_a_rate_limit_is_tried_again_later_and_delivers_once(zalo, asker, run_tasks):
    zalo.rate_limited = True
    ask(asker)
    run_tasks()
    assert [row.status for row in zalo_tasks()] == ["FAILED", "READY"]
    retry = zalo_tasks().last()
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}
    assert retry.run_after > timezone.now()  # not at once: after the queue's delay
    zalo.rate_limited = False
    zalo_tasks().filter(status="READY").update(run_after=timezone.now())
    run_tasks()
    run_tasks()
    assert len(zalo.sent) == 1
    assert Notice.objects.filter(channel="zalo").count() == 1


def test_a_refusal_for_good_is_logged_and_not_retried(zalo, asker, run_tasks, caplog):
    zalo.refuse_with = -108  # not a phone number Zalo can send to
    ask(asker)
    with caplog.at_level(logging.ERROR):
        run_tasks()
    assert [row.status for row in zalo_tasks()] == ["FAILED"]
    assert "-108" in zalo_tasks().get().traceback
    assert zalo.sent == []


def test_a_refresh_token_zalo_no_longer_takes_fails_for_good(zalo, asker, run_tasks):
    zalo.refresh_token = "RT-elsewhere"  # used by another installation, or revoked
    ask(asker)
    run_tasks()
    [task] = zalo_tasks()
    assert task.status == "FAILED"
    assert "ZALO_REFRESH_TOKEN" in task.traceback
    assert zalo.sent == []


def test_zalo_down_is_tried_again(zalo, asker, run_tasks):
    zalo.close()
    ask(asker)
    run_tasks()
    assert [row.status for row in zalo_tasks()] == ["FAILED", "READY"]


def test_each_step_is_sent_once_even_when_told_again(zalo, asker, run_tasks):
    question = ask(asker)
    for _ in range(3):
        tell_asker(question, Step.PUBLISHED, lambda: Message("Đã công bố", "…"))
    run_tasks()
    run_tasks()
    steps = [sent["tracking_id"] for sent in zalo.sent]
    assert steps == [f"{question.pk}-received", f"{question.pk}-published"]


def test_nothing_goes_to_zalo_when_it_is_off_or_not_asked_for(settings, zalo, standing, run_tasks):
    not_asked = ParticipantFactory(event=standing, phone="0912345678", zalo_opt_in=False)
    ask(not_asked)
    settings.ZALO_ZNS_ENABLED = False
    ask(ParticipantFactory(event=standing, phone="0987654321", zalo_opt_in=True))
    run_tasks()
    assert zalo.sent == []
    assert not Notice.objects.filter(channel="zalo").exists()


def test_an_asker_who_erased_their_data_is_sent_nothing(zalo, asker, run_tasks):
    ask(asker)
    erase_participant(participant=asker, session=None)
    run_tasks()
    assert zalo.sent == []
    asker.refresh_from_db()
    assert (asker.phone, asker.zalo_opt_in) == ("", False)


def join(client, event: Event, **fields: str):  # type: ignore[no-untyped-def]
    """Join as a browser does: the form's token from the page, then the form."""
    page = client.get(event.get_absolute_url()).content.decode()
    token = re.search(r'name="join_token" value="([^"]*)"', page)
    form = {"consent": "on", "join_token": token.group(1) if token else "", **fields}
    return client.post(reverse("dialogue:join", args=[event.slug]), form)


def test_the_join_form_asks_for_zalo_only_when_it_is_on(client, settings, zalo, standing):
    assert b'name="zalo"' in client.get(standing.get_absolute_url()).content
    settings.ZALO_ZNS_ENABLED = False
    assert b'name="zalo"' not in client.get(standing.get_absolute_url()).content

    settings.ZALO_ZNS_ENABLED = True
    join(client, standing, nickname="Chị Hoa", phone="0912 345 678", zalo="on")
    assert Participant.objects.get(nickname="Chị Hoa").zalo_opt_in is True
    join(Client(), standing, nickname="Bà Tư", phone="0912 345 678")
    assert Participant.objects.get(nickname="Bà Tư").zalo_opt_in is False
    settings.ZALO_ZNS_ENABLED = False
    join(Client(), standing, nickname="Ông Ba", phone="0912 345 678", zalo="on")
    assert Participant.objects.get(nickname="Ông Ba").zalo_opt_in is False


def test_no_number_means_no_zalo(client, zalo, standing):
    join(client, standing, nickname="Chị Hoa", phone="", zalo="on")
    assert Participant.objects.get(nickname="Chị Hoa").zalo_opt_in is False


def test_signed_in_askers_are_not_sent_to_zalo(zalo, standing, run_tasks):
    member = ParticipantFactory(event=standing, user=UserFactory(), nickname="")
    ask(member)
    run_tasks()
    assert zalo.sent == []
