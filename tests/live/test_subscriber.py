"""A socket's place in the hub: bounded, and dropped when it falls behind."""

from __future__ import annotations

from live.subscriber import BACKLOG_LIMIT, Subscriber


async def test_a_socket_that_falls_behind_while_held_is_dropped_and_gets_nothing_more():
    sent: list[str] = []
    stalled: list[bool] = []

    async def send(text: str) -> None:
        sent.append(text)

    subscriber = Subscriber(send, on_stall=lambda: stalled.append(True))
    for n in range(BACKLOG_LIMIT + 1):  # held: a snapshot or a rights check is under way
        subscriber.push(str(n))
    assert stalled == [True]
    subscriber.release()
    subscriber.push("later")
    assert sent == []


async def test_held_frames_are_sent_in_order_on_release_then_directly():
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    subscriber = Subscriber(send)
    subscriber.push("a")
    subscriber.push("b")
    assert sent == []
    subscriber.release()
    subscriber.push("c")
    subscriber.hold()
    subscriber.push("d")
    assert sent == ["a", "b", "c"]
    subscriber.release()
    assert sent == ["a", "b", "c", "d"]
    subscriber.close()
    subscriber.push("e")
    assert sent == ["a", "b", "c", "d"]
