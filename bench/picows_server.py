"""A ceiling on picows: bench/bare_server.py's outline with picows' Cython websocket core.

Every socket at /ws/events/<slug>/ gets a small snapshot, then every frame that a publisher sends
on /publish is written to all of them (a socket whose transport holds more than 64 KB unsent is
skipped, as uWebSockets.js skips one over its backpressure limit). A `vote` command is answered
with a canned `voted` reply. Same payload, pinning and clients as the other servers.

    python -m bench.picows_server --port 8200
"""

from __future__ import annotations

import argparse
import json

from picows import (
    WSAutoPingStrategy,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    ws_create_server,
)

PUBLISHED = b'{"type":"question.published"'
BACKPRESSURE = 64 * 1024  # bytes unsent on a socket above which broadcasts skip it


class Hub:
    def __init__(self) -> None:
        self.audience: set[WSTransport] = set()
        self.seq = 0

    def broadcast(self, payload: bytes) -> None:
        if payload.startswith(PUBLISHED):
            self.seq += 1
        for transport in self.audience:
            if transport.underlying_transport.get_write_buffer_size() <= BACKPRESSURE:
                transport.send(WSMsgType.TEXT, payload)


class Publisher(WSListener):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            transport.disconnect()
        elif frame.msg_type == WSMsgType.TEXT:
            self.hub.broadcast(frame.get_payload_as_bytes())


class Participant(WSListener):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def on_ws_connected(self, transport: WSTransport) -> None:
        snapshot = {"type": "snapshot", "seq": self.hub.seq, "questions": []}
        transport.send(WSMsgType.TEXT, json.dumps(snapshot).encode())
        self.hub.audience.add(transport)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()
        elif frame.msg_type == WSMsgType.TEXT:
            try:
                command_id = json.loads(frame.get_payload_as_bytes()).get("id")
            except ValueError:
                command_id = None
            reply = {"type": "voted", "reply_to": command_id, "voted": True, "votes": 1}
            transport.send(WSMsgType.TEXT, json.dumps(reply).encode())

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.hub.audience.discard(transport)


async def main(port: int, ping_interval: float) -> None:
    hub = Hub()

    def route(request: WSUpgradeRequest) -> WSListener | None:
        path = request.path.decode() if isinstance(request.path, bytes) else str(request.path)
        if path == "/publish":
            return Publisher(hub)
        if path.startswith("/ws/events/"):
            return Participant(hub)
        return None

    server = await ws_create_server(
        route,
        "127.0.0.1",
        port,
        backlog=4096,
        enable_auto_ping=True,
        auto_ping_idle_timeout=ping_interval,
        auto_ping_reply_timeout=20,
        auto_ping_strategy=WSAutoPingStrategy.PING_PERIODICALLY,
        max_frame_size=16 * 1024 * 1024,
        # picows' default is 16 KB per socket; the clients send frames of at most 4 KB here.
        read_buffer_init_size=4096,
    )
    await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ping-interval", type=float, default=20, help="keepalive, seconds")
    import uvloop

    arguments = parser.parse_args()
    uvloop.run(main(arguments.port, arguments.ping_interval))
