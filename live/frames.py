"""Frames as text and as wire bytes: serialised once per broadcast, never once per socket."""

from __future__ import annotations

import time
from typing import Any

from websockets.frames import Frame, Opcode

from live.wire import dumps

# An empty pong frame, as the hub's heartbeat writes it to each socket (RFC 6455, 5.5.3).
HEARTBEAT_FRAME = Frame(Opcode.PONG, b"").serialize(mask=False)


def stamped(frame: dict[str, Any]) -> str:
    """Serialise a broadcast frame once, with the server time it leaves (`sent_at`, Unix ms)."""
    # Stamped at commit, not when the service built it: latency is measured from the moment a
    # change became true in the database (docs/protocol.md, docs/performance.md).
    return dumps({**frame, "sent_at": round(time.time() * 1000, 1)})


def wire_frame(text: str) -> bytes:
    """A whole text frame as a server sends it: no mask, no extension, one fragment."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
