"""The one way a service tells sockets of a change: after commit, through the process's hub.

Grep `broadcast_on_commit` (and `sequenced_on_commit`, `control_on_commit`) to find every event
the system emits. A rolled-back write never reaches a socket; a callback that fails does not
skip the ones after it (`robust=True`). The thread that committed never waits for the channel
layer: the frame is handed to the hub's loop, which sends it (DESIGN.md, "The real-time model",
2 and 9). Code with no event loop behind it (a management command, a test) sends directly.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from live.adapters import calling_loop
from live.frames import stamped
from live.hub import hub_for_running_loop
from live.wire import dumps

log = logging.getLogger(__name__)


def broadcast_on_commit(group: str, frame: dict[str, Any]) -> None:
    """Send `frame` to everyone in `group` once the current transaction commits."""
    transaction.on_commit(
        lambda: send(group, {"type": "hub.frame", "group": group, "text": stamped(frame)}),
        robust=True,
    )


def sequenced_on_commit(group: str, frame: dict[str, Any]) -> None:
    """Like `broadcast_on_commit`, for a delta numbered with its group's `seq` (in `frame`)."""
    transaction.on_commit(
        lambda: send(
            group,
            {"type": "hub.frame", "group": group, "text": stamped(frame), "seq": frame["seq"]},
        ),
        robust=True,
    )


def control_on_commit(
    group: str, action: str, frame: dict[str, Any] | None = None, **data: Any
) -> None:
    """Tell the sockets of `group` something about themselves (rights changed, link renewed).

    `action` is "close" (the socket sends `frame`, then closes with `data["code"]`) or
    "recheck" (the socket checks its rights again and closes if they are gone).
    """
    message = {"type": "hub.control", "group": group, "action": action, **data}
    if frame is not None:
        message["text"] = dumps(frame)
    transaction.on_commit(lambda: send(group, message), robust=True)


def tally_on_commit(event_id: int, *question_ids: int) -> None:
    """Note that questions' vote counts changed; their tally frame follows within an interval."""
    transaction.on_commit(lambda: _mark_tally(event_id, question_ids), robust=True)


def poll_results_on_commit(event_id: int, poll_id: int) -> None:
    """Note that a poll's results changed; its `poll.results` frame follows within an interval."""
    transaction.on_commit(lambda: _mark_tally(event_id, (poll_id,), poll=True), robust=True)


def send(group: str, message: dict[str, Any]) -> None:
    """Hand a message to the hub of the loop that called this thread, or send it directly."""
    loop = calling_loop()
    try:
        if loop is not None:
            loop.call_soon_threadsafe(_post, group, message)
        else:
            async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:
        # Best effort: the database holds the truth and clients repair gaps.
        log.warning("broadcast to %s failed", group, exc_info=True)


def _post(group: str, message: dict[str, Any]) -> None:
    hub_for_running_loop().post(group, message)


def _mark_tally(event_id: int, item_ids: tuple[int, ...], *, poll: bool = False) -> None:
    # Called after commit in the database thread. Marking takes microseconds in the hub's loop,
    # so it is handed over without waiting: a blocking hop would hold the next vote batch until
    # the busy loop came round to it.
    loop = calling_loop()
    try:
        if loop is not None:
            loop.call_soon_threadsafe(_mark_in_loop, event_id, item_ids, poll)
        else:
            async_to_sync(_amark_tally)(event_id, item_ids, poll)
    except Exception:
        log.warning("tally for event %s failed", event_id, exc_info=True)


def _mark_in_loop(event_id: int, item_ids: tuple[int, ...], poll: bool = False) -> None:
    hub = hub_for_running_loop()
    coalescer = hub.poll_results if poll else hub.tallies
    for item_id in item_ids:
        coalescer.mark(event_id, item_id)


async def _amark_tally(event_id: int, item_ids: tuple[int, ...], poll: bool = False) -> None:
    _mark_in_loop(event_id, item_ids, poll)
