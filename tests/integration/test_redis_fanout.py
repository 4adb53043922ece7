"""The live fan-out over the real Redis channel layer."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer

from live.groups import public_group
from live.hub import hub_for_running_loop
from tests.factories import EventFactory, ParticipantFactory
from tests.socket import open_socket, session_cookie

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


async def test_the_channel_layer_is_redis():
    assert isinstance(get_channel_layer(), RedisChannelLayer)


async def test_many_sockets_of_one_process_share_one_group_membership():
    event = await sync_to_async(EventFactory)()
    sockets = [await open_socket(event.slug) for _ in range(5)]
    hub = hub_for_running_loop()
    layer = get_channel_layer()
    members = await layer.connection(layer.consistent_hash(public_group(event.pk))).zrange(
        layer._group_key(public_group(event.pk)), 0, -1
    )
    assert [member.decode() for member in members] == [hub.channel]
    for _, client, _ in sockets:
        await client.close()


async def test_a_question_asked_reaches_every_socket_through_redis():
    event = await sync_to_async(EventFactory)()
    participant = await sync_to_async(ParticipantFactory)(event=event)
    cookie = await session_cookie(participant_id=participant.pk, event_id=event.pk)
    _, asker, _ = await open_socket(event.slug, cookie=cookie)
    watchers = [await open_socket(event.slug) for _ in range(10)]
    await asker.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Qua Redis"})
    for _, watcher, _ in watchers:
        frame = await watcher.next_of("question.published")
        assert frame["question"]["text"] == "Qua Redis"
        await watcher.close()
    await asker.close()
