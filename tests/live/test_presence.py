"""Presence: how many follow a dialogue now, told to its sockets when it changes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from live.hub import hub_for_running_loop
from live.presence import event_of_group
from tests.factories import EventFactory
from tests.socket import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_groups_of_a_dialogue_are_recognised():
    assert event_of_group("event.12.public") == 12
    assert event_of_group("event.12.official.3") == 12
    assert event_of_group("participant.12") is None
    assert event_of_group("session.abc") is None


async def test_the_sockets_of_a_dialogue_are_counted_and_told_when_the_count_changes():
    event, other = await sync_to_async(EventFactory)(), await sync_to_async(EventFactory)()
    clients = [(await open_socket(event.slug))[1] for _ in range(2)]
    elsewhere = (await open_socket(other.slug))[1]
    presence = hub_for_running_loop().presence
    await presence.tick()
    for client in clients:
        assert await client.next_of("presence") == {"type": "presence", "connected": 2}
    assert (await elsewhere.next_of("presence"))["connected"] == 1
    await presence.tick()  # unchanged: nothing is sent
    assert await clients[0].nothing()
    await clients[1].close()
    await presence.tick()
    assert (await clients[0].next_of("presence"))["connected"] == 1
    await clients[0].close()
    await elsewhere.close()


async def test_a_socket_that_joins_between_two_changes_is_told_the_last_count():
    event = await sync_to_async(EventFactory)()
    first = (await open_socket(event.slug))[1]
    presence = hub_for_running_loop().presence
    await presence.tick()
    assert (await first.next_of("presence"))["connected"] == 1
    await first.close()
    # The count has not been taken again: the new socket hears the last one after its snapshot.
    second = (await open_socket(event.slug))[1]
    assert await second.next_of("presence") == {"type": "presence", "connected": 1}
    await second.close()
