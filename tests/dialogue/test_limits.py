"""Joins and sockets per address and per session: a script is held back, a hall is not.

A hall of citizens on an agency's network shares one address; the defaults let 300 of them join,
vote and keep a socket open (docs/security.md, "Limits"). A script with fresh cookie jars on one
address is held to the pace of such a hall.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from dialogue import ratelimit
from dialogue.models import Participant, Question, Vote
from events.models import Event
from live import admission
from tests.factories import EventFactory, QuestionFactory, join_form
from tests.socket import open_socket, session_cookie

NAT = "203.0.113.5"


def browser(ip: str = NAT) -> Client:
    """A fresh cookie jar, from `ip`."""
    return Client(REMOTE_ADDR=ip)


def join_and_vote(client: Client, event: Event, question: Question, nickname: str) -> int:
    """As a person does: open the page, join with the form it shows, vote. The join's status."""
    page = client.get(event.get_absolute_url()).content.decode()
    token = re.search(r'name="join_token" value="([^"]*)"', page)
    response = client.post(
        reverse("dialogue:join", args=[event.slug]),
        {"nickname": nickname, "consent": "on", "join_token": token.group(1) if token else ""},
    )
    client.post(reverse("dialogue:vote", args=[event.slug, question.pk]))
    return response.status_code


@pytest.mark.django_db
def test_a_hundred_cookie_jars_from_one_address_cannot_add_a_hundred_votes():
    event = EventFactory()
    question = QuestionFactory(event=event, status=Question.Status.APPROVED)
    statuses = [join_and_vote(browser(), event, question, f"Bot {n}") for n in range(100)]
    votes = Vote.objects.filter(question=question).count()
    assert votes < 100
    assert votes == Participant.objects.filter(event=event).count() == statuses.count(302)
    # The rest were told why, on the page's form.
    assert statuses.count(400) == 100 - votes
    refused = browser().post(
        reverse("dialogue:join", args=[event.slug]), join_form(event, "Bot 101")
    )
    assert "Nhiều người đang tham gia từ cùng mạng của bạn" in refused.content.decode()
    # Another address is not affected.
    assert join_and_vote(browser("198.51.100.20"), event, question, "Người khác") == 302


@pytest.mark.django_db
def test_three_hundred_people_behind_one_address_join_and_vote_within_the_limits():
    event = EventFactory()
    question = QuestionFactory(event=event, status=Question.Status.APPROVED)
    # A hall arriving: fifty people a minute for six minutes, each with their own phone.
    with time_machine.travel(dt.datetime(2030, 5, 1, 8, 0, tzinfo=dt.UTC), tick=False) as clock:
        for minute in range(6):
            for n in range(50):
                person = browser()
                joined = person.post(
                    reverse("dialogue:join", args=[event.slug]),
                    join_form(event, f"Người {minute}-{n}"),
                )
                assert joined.status_code == 302, joined.content.decode()[:300]
                person.post(reverse("dialogue:vote", args=[event.slug, question.pk]))
            clock.shift(dt.timedelta(seconds=61))
    assert Participant.objects.filter(event=event).count() == 300
    assert Vote.objects.filter(question=question).count() == 300


@pytest.mark.django_db
def test_a_join_needs_the_token_of_this_event_s_page_and_a_fresh_one():
    event, other = EventFactory(), EventFactory()
    url = reverse("dialogue:join", args=[event.slug])
    for data in (
        {"nickname": "Lan"},
        join_form(other, "Lan"),
        {"nickname": "Lan", "join_token": "1:forged:signature"},
    ):
        assert browser().post(url, data).status_code == 400
    with time_machine.travel(dt.datetime(2030, 5, 1, 8, 0, tzinfo=dt.UTC), tick=False) as clock:
        stale = join_form(event, "Lan")
        clock.shift(dt.timedelta(hours=5))
        response = browser().post(url, stale)
        assert response.status_code == 400
        # The page that says so carries a fresh token: pressing "Join" again works.
        page = response.content.decode()
        token = re.search(r'name="join_token" value="([^"]*)"', page).group(1)
        again = {"nickname": "Lan", "consent": "on", "join_token": token}
        assert browser().post(url, again).status_code == 302
    assert Participant.objects.filter(event=event).count() == 1


@pytest.mark.django_db
def test_a_dialogue_may_expect_a_bigger_hall_behind_one_address():
    event = EventFactory(people_per_address=1000)
    for n in range(150):  # 1,000 people: 200 joins a minute
        response = browser().post(
            reverse("dialogue:join", args=[event.slug]), join_form(event, f"N{n}")
        )
        assert response.status_code == 302
    assert ratelimit.join_rates(1000)[0].amount == 200


def test_ipv6_addresses_count_per_64_network_and_ipv4_alone():
    assert admission.address("2001:db8:1:2:aaaa::1") == admission.address("2001:db8:1:2:bbbb::9")
    assert admission.address("2001:db8:1:2::1") != admission.address("2001:db8:1:3::1")
    assert admission.address("203.0.113.5") != admission.address("203.0.113.6")
    assert admission.address("::ffff:203.0.113.5") == "203.0.113.5"
    assert admission.address(None) is None


@pytest.mark.django_db
def test_ipv6_neighbours_in_one_64_share_the_join_limit():
    event = EventFactory(people_per_address=10)  # 10 joins a minute
    url = reverse("dialogue:join", args=[event.slug])
    statuses = [
        browser(f"2001:db8:1:2::{n:x}").post(url, join_form(event, f"V6 {n}")).status_code
        for n in range(1, 13)
    ]
    assert statuses.count(302) == 10


# --- Sockets -------------------------------------------------------------------------------------


@pytest.fixture
def small_caps(settings):  # type: ignore[no-untyped-def]
    settings.DIALOGUE = {**settings.DIALOGUE, "PEOPLE_PER_ADDRESS": 2, "SOCKETS_PER_SESSION": 3}


@pytest.mark.django_db(transaction=True)
async def test_sockets_per_address_are_capped_and_a_closed_one_frees_its_seat(small_caps):
    event = await sync_to_async(EventFactory)()
    opened = []
    for _ in range(4):  # two people, two sockets each
        accepted, client, snapshot = await open_socket(event.slug, client_ip=NAT)
        assert accepted
        assert snapshot["type"] == "snapshot"
        opened.append(client)
    accepted, crowded, frame = await open_socket(event.slug, client_ip=NAT)
    assert frame == {"type": "error", "code": "too_many_sockets", "message": frame["message"]}
    closed = await crowded.communicator.receive_output(timeout=5)
    assert (closed["type"], closed["code"]) == ("websocket.close", 1013)
    # Another address still gets in; and once a socket closes, so does this one.
    accepted, elsewhere, snapshot = await open_socket(event.slug, client_ip="198.51.100.30")
    assert snapshot["type"] == "snapshot"
    await opened.pop().close()
    accepted, again, snapshot = await open_socket(event.slug, client_ip=NAT)
    assert snapshot["type"] == "snapshot"
    for client in [*opened, elsewhere, again]:
        await client.close()


@pytest.mark.django_db(transaction=True)
async def test_sockets_per_session_are_capped_whatever_the_address(settings):
    settings.DIALOGUE = {**settings.DIALOGUE, "SOCKETS_PER_SESSION": 3}
    event = await sync_to_async(EventFactory)()
    cookie = await session_cookie()
    opened = []
    for n in range(3):
        _, client, snapshot = await open_socket(
            event.slug, cookie=cookie, client_ip=f"198.51.100.{n + 1}"
        )
        assert snapshot["type"] == "snapshot"
        opened.append(client)
    _, _, frame = await open_socket(event.slug, cookie=cookie, client_ip="198.51.100.9")
    assert frame["code"] == "too_many_sockets"
    for client in opened:
        await client.close()


@pytest.mark.django_db(transaction=True)
async def test_three_hundred_sockets_from_one_address_are_within_the_cap():
    event = await sync_to_async(EventFactory)()
    opened = []
    for _ in range(300):
        accepted, client, snapshot = await open_socket(event.slug, client_ip=NAT)
        assert accepted
        assert snapshot["type"] == "snapshot"
        opened.append(client)
    for client in opened:
        await client.close()
