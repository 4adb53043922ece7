"""One local socket's place in the hub: eager delivery, a bounded backlog, frames held on demand."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

from live.adapters import wire_socket, write_wire
from live.frames import HEARTBEAT_FRAME, wire_frame

log = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[None]]

# A subscriber whose socket stops reading is dropped once this many frames wait behind it, or
# once one send has been blocked this long. Frames are small (≈1 KB), so this bounds the memory
# a stalled phone can hold at well under 100 KB on top of the server's transport buffer.
BACKLOG_LIMIT = 64
STALL_SECONDS = 10.0


class Subscriber:
    """Delivers the hub's frames to one socket; holds them back while a snapshot is being sent.

    Delivery is eager: the send coroutine is stepped at once, and a server that accepts the frame
    into its transport buffer (the usual case) finishes it in that step, with no task and no
    context switch per socket. Only a send that blocks (the socket's buffer is full because the
    client stopped reading) becomes a task; later frames wait behind it in a bounded backlog,
    and a socket that stays blocked is dropped (`on_stall`) so it never slows the others.
    A subscriber that is `closed` (its rights ended, or it stalled) receives nothing more.
    """

    __slots__ = (
        "_asgi_send",
        "_backlog",
        "_held",
        "_on_stall",
        "_send",
        "_task",
        "_wire",
        "on_control",
        "stalled",
    )

    def __init__(
        self,
        send: Send,
        on_stall: Callable[[], object] | None = None,
        asgi_send: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
        on_control: Callable[[dict[str, Any]], object] | None = None,
    ) -> None:
        self._send = send
        self._on_stall = on_stall
        # The server's own ASGI send, when the owner offers it: the hub then hands every socket
        # the same `websocket.send` message, built once per broadcast (see Hub.dispatch).
        self._asgi_send = asgi_send
        # The server's connection behind that send, when the hub may write wire bytes to it.
        self._wire = wire_socket(asgi_send)
        self._held: list[str] | None = []
        self._backlog: deque[str] | None = None
        self._task: asyncio.Task[None] | None = None
        # What the hub's control messages (rights changed, layer recovered) are handed to.
        self.on_control = on_control
        self.stalled = False

    @property
    def writes_wire(self) -> bool:
        """Whether the hub may hand this socket a frame's wire bytes (see `wire_socket`)."""
        return self._wire is not None

    @property
    def closed(self) -> bool:
        return self.stalled

    def push(
        self, text: str, message: dict[str, Any] | None = None, wire: bytes | None = None
    ) -> None:
        """Hand one frame to the socket without waiting for it (the hub's fast path).

        `message` is the frame as the ASGI message, `wire` as the bytes of a whole unmasked
        text frame, both built once per broadcast by the hub.
        """
        if self.stalled:
            return
        if self._held is not None:
            self._held.append(text)
            if len(self._held) > BACKLOG_LIMIT:
                self.stall()
        elif self._backlog is not None:
            self._backlog.append(text)
            if len(self._backlog) > BACKLOG_LIMIT:
                self.stall()
        elif wire is not None and write_wire(self._wire, wire):
            return
        elif message is not None and self._asgi_send is not None:
            self._step(self._asgi_send(message))
        else:
            self._step(self._send(text))

    def _step(self, send: Awaitable[None]) -> None:
        sending = cast(Coroutine[Any, Any, None], send)  # ASGI sends are coroutine functions
        try:
            blocked = sending.send(None)
        except StopIteration:
            return
        except Exception:
            log.debug("delivery to a closing socket failed", exc_info=True)
            return
        # The send is waiting for the socket to drain: finish it, and what follows, in a task.
        self._backlog = deque()
        self._task = asyncio.ensure_future(self._drain(sending, blocked))

    async def _drain(self, sending: Coroutine[Any, Any, None], blocked: Any) -> None:
        try:
            async with asyncio.timeout(STALL_SECONDS):
                await _finish(sending, blocked)
                while self._backlog:
                    await self._send(self._backlog.popleft())
        except TimeoutError:
            self.stall()
        except Exception:
            log.debug("delivery to a closing socket failed", exc_info=True)
        finally:
            self._backlog = None
            self._task = None

    def reply(self, text: str) -> None:
        """A frame for this socket alone (a command's reply), in order with the hub's frames."""
        self.push(text, None, wire_frame(text) if self._wire is not None else None)

    def beat(self) -> None:
        """Write the heartbeat frame if this socket takes wire bytes and has nothing waiting."""
        if self._held is None and self._backlog is None and not self.stalled:
            write_wire(self._wire, HEARTBEAT_FRAME)

    def hold(self) -> None:
        """Keep the hub's frames back until `release` (while a snapshot is being built)."""
        if self._held is None and not self.stalled:
            self._held = []

    def release(self) -> None:
        """Send what arrived while frames were held, then deliver directly again."""
        held = self._held or []
        self._held = None
        for text in held:
            self.push(text)

    def stall(self) -> None:
        """Stop delivering to this socket and tell its owner, which drops the connection."""
        if self.stalled:
            return
        self.close()
        log.info("dropping a socket that stopped reading")
        if self._on_stall is not None:
            self._on_stall()

    def close(self) -> None:
        """Deliver nothing more to this socket, from this moment."""
        self.stalled = True
        self._held = None
        self._backlog = None
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()


async def _finish(sending: Coroutine[Any, Any, None], blocked: Any) -> None:
    """Run a coroutine that was stepped by hand, and suspended on `blocked`, to its end."""
    # This is what an asyncio task does with a coroutine (Python 3.12's eager tasks do the same
    # for the first step): wait for the future it yielded, then resume it, until it returns.
    try:
        while True:
            if blocked is None:
                await asyncio.sleep(0)
            else:
                await asyncio.wait((blocked,))
            blocked = sending.send(None)
    except StopIteration:
        return
    except BaseException:
        sending.close()
        raise
