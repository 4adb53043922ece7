"""The hub restores `seq` order, repairs gaps from the delta log, and outlives layer faults."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from dialogue.models import PublicDelta
from live.groups import public_group
from live.hub import Hub, hub_for_running_loop
from live.subscriber import Subscriber
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Collector:
    """A subscriber's send that keeps what it was given."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def __call__(self, text: str) -> None:
        self.frames.append(json.loads(text))
        self.arrived.set()

    async def until(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.frames) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.frames


def delta(group: str, seq: int) -> dict[str, Any]:
    text = json.dumps({"type": "question.published", "seq": seq})
    return {"type": "hub.frame", "group": group, "text": text, "seq": seq}


async def joined(hub: Hub, group: str, start: int = 0) -> Collector:
    collector = Collector()
    subscriber = Subscriber(collector)
    await hub.subscribe([group], subscriber)
    hub.start_sequence(group, start)
    subscriber.release()
    return collector


async def test_deltas_that_arrive_out_of_order_reach_sockets_in_order():
    hub, group = hub_for_running_loop(), public_group(1)
    first, second = await joined(hub, group), await joined(hub, group)
    for seq in (2, 4, 1, 3, 5):
        await hub.dispatch(delta(group, seq))
    for collector in (first, second):
        assert [f["seq"] for f in await collector.until(5)] == [1, 2, 3, 4, 5]


async def test_a_delta_lost_on_the_way_is_read_back_from_the_log():
    event = await sync_to_async(EventFactory)()
    hub, group = hub_for_running_loop(), public_group(event.pk)
    lost = json.dumps({"type": "question.published", "seq": 2, "from": "log"})
    await sync_to_async(PublicDelta.objects.create)(event=event, seq=2, frame=lost)
    collector = await joined(hub, group)
    await hub.dispatch(delta(group, 1))
    await hub.dispatch(delta(group, 3))  # 2 never comes through the layer
    frames = await collector.until(3)
    assert [(f["seq"], f.get("from")) for f in frames] == [(1, None), (2, "log"), (3, None)]


async def test_a_gap_the_log_no_longer_holds_is_skipped_so_delivery_goes_on():
    event = await sync_to_async(EventFactory)()
    hub, group = hub_for_running_loop(), public_group(event.pk)
    collector = await joined(hub, group)
    await hub.dispatch(delta(group, 2))
    assert [f["seq"] for f in await collector.until(1)] == [2]  # the client repairs 1 itself


async def test_the_hub_answers_since_from_what_it_delivered():
    hub, group = hub_for_running_loop(), public_group(7)
    await joined(hub, group)
    for seq in (1, 2, 3):
        await hub.dispatch(delta(group, seq))
    assert [json.loads(t)["seq"] for t in hub.backlog(group, 1) or []] == [2, 3]
    assert hub.backlog(public_group(8), 0) is None


async def test_group_memberships_are_renewed_before_the_layer_would_forget_them():
    hub, group = hub_for_running_loop(), public_group(9)
    collector = await joined(hub, group)
    layer = hub.layer
    assert hub.refresh_interval() <= layer.group_expiry / 4
    old = time.time() - layer.group_expiry + 1  # a membership about to be forgotten
    await set_joined_at(layer, group, hub.channel, old)
    await hub.refresh_memberships()
    assert await joined_at(layer, group, hub.channel) > old + 60
    await layer.group_send(group, delta(group, 1))
    assert [f["seq"] for f in await collector.until(1)] == [1]


# Both layers forget a membership older than their group expiry; each keeps its time its own way.
async def set_joined_at(layer: Any, group: str, channel: str, when: float) -> None:
    if hasattr(layer, "groups"):  # the in-memory layer
        layer.groups[group][channel] = when
    else:  # channels_redis: a sorted set per group, scored by the time of joining
        key = layer._group_key(group)
        await layer.connection(layer.consistent_hash(group)).zadd(key, {channel: when})


async def joined_at(layer: Any, group: str, channel: str) -> float:
    if hasattr(layer, "groups"):
        return float(layer.groups[group][channel])
    key = layer._group_key(group)
    return float(await layer.connection(layer.consistent_hash(group)).zscore(key, channel))


async def test_a_channel_layer_that_fails_does_not_stop_later_broadcasts():
    hub, group = hub_for_running_loop(), public_group(10)
    collector = await joined(hub, group)
    real_send, failures = hub.layer.group_send, []

    async def failing_once(group_name: str, message: dict[str, Any]) -> None:
        if not failures:
            failures.append(group_name)
            raise ConnectionError("the layer is away")
        await real_send(group_name, message)

    hub.layer.group_send = failing_once
    hub.post(group, delta(group, 1))
    hub.post(group, delta(group, 2))
    # 1 was lost with the layer; 2 arrives, and after the hold 1 is sought in the (empty) log.
    assert [f["seq"] for f in await collector.until(1)] == [2]
    assert failures == [group]


async def test_a_hub_whose_first_join_after_an_outage_fails_joins_again_and_repairs():
    # A Redis restart forgets every membership, and the first join after it may fail on a
    # pooled connection the restart killed. The hub must not go back to reading before it is in
    # its groups again: the layer's read waits for a message, and none would ever come.
    event = await sync_to_async(EventFactory)()
    hub, group = hub_for_running_loop(), public_group(event.pk)
    layer, failed = hub.layer, []
    real_receive, real_add = layer.receive, layer.group_add

    async def receive(channel: str) -> dict[str, Any]:
        if "read" not in failed:
            failed.append("read")
            await real_discard(group, channel)  # the server came back empty
            raise ConnectionError("the server went away")
        return await real_receive(channel)

    async def group_add(group_name: str, channel: str) -> None:
        if "read" in failed and "join" not in failed:
            failed.append("join")
            raise ConnectionError("a connection the restart killed")
        await real_add(group_name, channel)

    real_discard = layer.group_discard
    layer.receive, layer.group_add = receive, group_add
    for seq in (1, 2):  # committed while the layer was away: only the delta log has them
        text = json.dumps({"type": "question.published", "seq": seq})
        await sync_to_async(PublicDelta.objects.create)(event=event, seq=seq, frame=text)
    collector = await joined(hub, group)
    assert [f["seq"] for f in await collector.until(2)] == [1, 2]
    assert failed == ["read", "join"]
    await layer.group_send(group, delta(group, 3))  # and live broadcasts reach it again
    assert [f["seq"] for f in await collector.until(3)] == [1, 2, 3]
