"""Cheap sink sockets: a raw websocket client that only counts frames, bytes and sequence numbers.

Thousands of full clients in one Python process would measure the generator, not the server
(DESIGN.md, "Performance targets"). A sink does the handshake, then reads frame headers only:
it never decodes JSON, it answers pings, and it looks at the first bytes of a frame to count
`question.published` frames and check that their `seq` has no gaps.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from dataclasses import dataclass, field
from typing import cast

PUBLISHED = b'{"type":"question.published","seq":'
TALLY = b'{"type":"tally"'


@dataclass
class SinkStats:
    """Counters shared by every sink of one process."""

    opened: int = 0
    failed: int = 0
    closed: int = 0
    frames: int = 0
    bytes: int = 0
    published: int = 0
    tallies: int = 0
    gaps: int = 0
    snapshot_seconds: list[float] = field(default_factory=list)


class Sink(asyncio.Protocol):
    """One websocket that reads frames and throws them away after counting."""

    def __init__(
        self, stats: SinkStats, path: str, host: str, opened: asyncio.Future[bool]
    ) -> None:
        self.stats = stats
        self.path = path
        self.host = host
        self.opened = opened
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.snapshot_seen = False
        self.last_seq = 0
        self.published = 0
        self.lost = False
        self.started = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: http://{self.host}\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        self.stats.bytes += len(data)
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:12])
            del self.buffer[: end + 4]
            if b" 101" not in status:
                self._fail()
                return
            self.upgraded = True
        self._frames()

    def _frames(self) -> None:
        buffer = self.buffer
        size = len(buffer)
        at = 0
        stats = self.stats
        while size - at >= 2:
            opcode = buffer[at] & 0x0F
            length = buffer[at + 1] & 0x7F
            head = 2
            if length == 126:
                if size - at < 4:
                    break
                length = int.from_bytes(buffer[at + 2 : at + 4], "big")
                head = 4
            elif length == 127:
                if size - at < 10:
                    break
                length = int.from_bytes(buffer[at + 2 : at + 10], "big")
                head = 10
            if size - at < head + length:
                break
            start = at + head
            at = start + length
            if opcode == 9:
                self._pong(bytes(buffer[start:at]))
                continue
            if opcode == 8:
                stats.closed += 1
                if self.transport is not None:
                    self.transport.close()
                continue
            stats.frames += 1
            if not self.snapshot_seen:
                self.snapshot_seen = True
                stats.snapshot_seconds.append(time.monotonic() - self.started)
                self.last_seq = _seq_of(buffer, start + 20)
                if not self.opened.done():
                    self.opened.set_result(True)
                continue
            if buffer.startswith(PUBLISHED, start):
                seq = _seq_of(buffer, start + len(PUBLISHED))
                if seq > self.last_seq:
                    stats.published += 1
                    self.published += 1
                    if self.last_seq and seq != self.last_seq + 1:
                        stats.gaps += 1
                    self.last_seq = seq
            elif buffer.startswith(TALLY, start):
                stats.tallies += 1
        del buffer[:at]

    def _pong(self, payload: bytes) -> None:
        # Client frames are masked; a zero mask keeps the payload as it is.
        if self.transport is not None:
            self.transport.write(bytes([0x8A, 0x80 | len(payload), 0, 0, 0, 0]) + payload)

    def _fail(self) -> None:
        self.stats.failed += 1
        if not self.opened.done():
            self.opened.set_result(False)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.stats.failed += 1
            self.opened.set_result(False)
        elif self.snapshot_seen:
            # Closed by the server (a stalled reader dropped) or by the network.
            self.lost = True

    def stop_reading(self) -> None:
        """Behave like a phone that went to sleep: leave the socket open and read nothing."""
        if self.transport is not None:
            self.transport.pause_reading()


def _seq_of(buffer: bytearray, at: int) -> int:
    """The integer that starts after `"seq":` at or after `at` (0 when there is none)."""
    found = buffer.find(b'"seq":', max(0, at - 20), at + 40)
    if found < 0:
        return 0
    start = found + 6
    end = start
    while end < len(buffer) and 48 <= buffer[end] <= 57:
        end += 1
    return int(buffer[start:end]) if end > start else 0
