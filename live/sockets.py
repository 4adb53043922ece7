"""The one base of every socket the hub feeds: how it joins, sends, backs off and closes.

Citizen, moderator, official and stage sockets differ in what they may see and do, not in how
they read, write, back off and close. A socket has no channel of its own: the process's hub
receives every broadcast once and writes it to each local socket. Its rights are live
(DESIGN.md, "The real-time model", 8): a control message to one of its groups closes it, or makes
it check its rights again and close if they are gone; no frame reaches it after that.

Close codes (docs/protocol.md, "Closing"): 4001 access ended, 4003 stage link renewed (neither
is reconnected by the page), 1013 too slow to read, 1012 broadcasts were lost (reconnect and
resync).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError
from django.utils.translation import gettext as _

from live import admission, metrics
from live.adapters import DirectConsumer, server_send
from live.errors import DomainError, RateLimited, Unavailable
from live.hub import hub_for_running_loop
from live.subscriber import Subscriber
from live.wire import AccessRevoked, build, dumps, error_frame

log = logging.getLogger(__name__)

ACCESS_ENDED = 4001
LINK_RENEWED = 4003
RECONNECT = 1012
TOO_SLOW = 1013
# The same code for a socket refused a seat: try again later (the page backs off).
CROWDED = 1013
# The close frame waits behind unread data, so closing is bounded in time: after that the
# server's own keepalive timeout ends the connection (docs/protocol.md, "Slow readers").
CLOSE_SECONDS = 30.0


def connection_labels() -> dict[str, str]:
    """What the connection line of every live page says (static/js/live-socket.js), translated
    here once, so that no script carries a language."""
    return {
        "connecting": _("Connecting…"),
        "live": _("Live"),
        "reconnecting": _("Connection lost – retrying"),
        "reconnecting_since": _("Connection lost – retrying. Last update at %(time)s"),
        "offline": _("Offline. Reload the page to try again."),
    }


class Refused(Exception):
    """The socket may not (or no longer) open: close it with `code`."""

    def __init__(self, code: int = ACCESS_ENDED, frame: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.frame = frame


class LiveSocket(DirectConsumer, AsyncWebsocketConsumer):
    """A websocket fed by the hub: join the audiences, send the snapshot, then deltas in order."""

    channel_layer_alias = None
    # The kind of socket, as the metrics count them: public, moderators, official or stage.
    audience = "public"
    audiences: list[str]
    subscriber: Subscriber
    # The frame a socket sends when a recheck finds its rights gone.
    revoked_frame = dumps(build(AccessRevoked))
    # Its place under its address's and session's caps, while it is open.
    seat: admission.Seat | None = None

    # --- Receiving: one path for every socket -------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Parse one frame, handle it, and answer a refusal with an error frame: never a 1011.

        A refusal (a `DomainError`) is answered with its code and message, addressed to the
        command when the frame had a usable id; a database that is restarting answers
        `unavailable`, and the client may send it again (its client id makes that safe).
        """
        try:
            command = self.parse(text_data)
        except DomainError as error:
            self.reply(dumps(error_frame(error, reply_to=self.reply_to(text_data))))
            return
        try:
            reply = await self.handle(command)
        except DomainError as error:
            reply = error_frame(error, reply_to=self.reply_to(text_data))
        except DatabaseError:
            log.warning("a command failed on the database", exc_info=True)
            reply = error_frame(Unavailable(), reply_to=self.reply_to(text_data))
        if reply is not None:
            self.reply(dumps(reply))

    def parse(self, text: str | None) -> Any:
        """The command of one frame, checked against this socket's schema; refusals raise."""
        raise NotImplementedError

    async def handle(self, command: Any) -> dict[str, Any] | None:
        """Run one command; its reply, or None when the reply follows later (or never)."""
        raise NotImplementedError

    def reply_to(self, text: str | None) -> str | None:
        """The id of the command a frame carried, if usable, to address its error."""
        return None

    # --- Opening ------------------------------------------------------------------------

    async def open(self, audiences: list[str], snapshot: Callable[[], Awaitable[str]]) -> None:
        """Accept, join first, then send the snapshot; frames arriving meanwhile are held."""
        await self.accept()
        self.audiences = audiences
        self._send_frame = server_send(self.base_send)
        self.subscriber = Subscriber(
            self.send_text, self._stalled, self._send_frame, on_control=self._control
        )
        await hub_for_running_loop().subscribe(self.audiences, self.subscriber)
        try:
            # Read after joining: a change is either in the snapshot or delivered after it, and
            # a right revoked before the join is seen here.
            text = await snapshot()
        except Refused as refused:
            self.end(refused.code, refused.frame)
            return
        except Exception:
            # The database is restarting, say: the client reconnects with backoff and resyncs.
            log.warning("a snapshot could not be read; the socket will reconnect", exc_info=True)
            self.end(RECONNECT)
            return
        await self.send_text(text)
        self.subscriber.release()
        # How many follow the dialogue, as last counted: otherwise shown only at its next change.
        presence = hub_for_running_loop().presence.last_frame(self.audiences)
        if presence is not None:
            self.reply(presence)
        self._counted = True
        metrics.socket_opened(self.audience)
        metrics.snapshot_served()

    async def take_seat(self, *, people: int | None = None) -> None:
        """Count this socket under its address's and session's caps, or, when one is full,
        accept it only to say so, close it with 1013 (the page tries again later) and stop."""
        self.seat = await admission.admit(self.scope, people=people)
        if self.seat is not None:
            return
        await self.accept()
        crowded = RateLimited(
            _(
                "Too many open connections from your network or browser. Close other tabs of "
                "this page, or wait a moment."
            ),
            code="too_many_sockets",
        )
        await self.send(text_data=dumps(error_frame(crowded)))
        await self.close(code=CROWDED)
        # Nothing more from this socket reaches the consumer, which holds no connection to use.
        raise StopConsumer

    async def unavailable(self) -> None:
        """The rights could not be read (the database is restarting): come back later."""
        log.warning("a socket could not be opened; the client will reconnect", exc_info=True)
        await self.accept()
        await self.close(code=RECONNECT)

    async def follow(self, group: str) -> None:
        """Join one more audience (a signed-in user became a participant)."""
        if group not in self.audiences:
            self.audiences.append(group)
            await hub_for_running_loop().subscribe([group], self.subscriber)

    async def disconnect(self, code: int) -> None:
        seat, self.seat = self.seat, None
        await admission.release(seat)
        if getattr(self, "_counted", False):
            self._counted = False
            metrics.socket_closed(self.audience)
        if hasattr(self, "subscriber"):
            self.subscriber.close()
            await hub_for_running_loop().unsubscribe(self.audiences, self.subscriber)

    # --- Sending ------------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        """Send one frame now (the snapshot; anything before the hub delivers)."""
        await self._send_frame({"type": "websocket.send", "text": text})

    def reply(self, text: str) -> None:
        """A frame for this socket alone, in order with the hub's frames."""
        self.subscriber.reply(text)

    # --- Rights and closing -------------------------------------------------------------

    async def still_allowed(self) -> bool:
        """Whether this socket could open now; consulted when its rights may have changed."""
        return True

    def recovered(self) -> None:
        """The channel layer came back after an outage; frames to this socket may be lost."""

    def _control(self, message: dict[str, Any]) -> None:
        action = message.get("action")
        if action == "close":
            self.end(int(message.get("code", ACCESS_ENDED)), message.get("text"))
        elif action == "recheck":
            self.subscriber.hold()  # nothing more is delivered until the rights are known
            self._checking = asyncio.ensure_future(self._recheck())
        elif action == "recovered":
            self.recovered()

    async def _recheck(self) -> None:
        try:
            allowed = await self.still_allowed()
        except Exception:
            log.warning("checking a socket's rights failed; closing it", exc_info=True)
            self.end(RECONNECT)
            return
        if allowed:
            self.subscriber.release()
        else:
            self.end(ACCESS_ENDED, self.revoked_frame)

    def _stalled(self) -> None:
        """The client stopped reading: the hub already skips it; close it in the background."""
        metrics.socket_dropped_for_backlog()
        self.end(TOO_SLOW)

    def end(self, code: int, frame: str | None = None) -> None:
        """Deliver nothing more, leave the hub, send `frame` if any, and close with `code`."""
        if getattr(self, "_ending", None) is not None:
            return
        self.subscriber.close()
        self._ending = asyncio.ensure_future(self._end(code, frame))

    async def _end(self, code: int, frame: str | None) -> None:
        await hub_for_running_loop().unsubscribe(self.audiences, self.subscriber)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_SECONDS):
                if frame is not None:
                    await self.send_text(frame)
                await self.close(code=code)
