"""The ceiling: a bare `websockets` broadcast server with the citizen socket's outline.

Every socket at /ws/events/<slug>/ gets a small snapshot, then every frame that a publisher sends
on /publish is written to all of them with `websockets.broadcast()`. A `vote` command is answered
with a canned `voted` reply. No Django, no channel layer: what the bench compares the real
servers against, with the same payload, the same pinning and the same clients.

    python -m bench.bare_server --port 8200
"""

from __future__ import annotations

import argparse
import json

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve


async def main(port: int, ping_interval: float = 20) -> None:
    audience: set[ServerConnection] = set()
    seq = 0

    async def handler(socket: ServerConnection) -> None:
        nonlocal seq
        path = socket.request.path if socket.request else ""
        if path == "/publish":
            async for text in socket:
                assert isinstance(text, str)
                if text.startswith('{"type":"question.published"'):
                    seq += 1
                broadcast(audience, text)
            return
        await socket.send(json.dumps({"type": "snapshot", "seq": seq, "questions": []}))
        audience.add(socket)
        try:
            async for text in socket:
                command = json.loads(text)
                await socket.send(
                    json.dumps(
                        {"type": "voted", "reply_to": command.get("id"), "voted": True, "votes": 1}
                    )
                )
        finally:
            audience.discard(socket)

    server: Server
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        backlog=4096,
        max_queue=16,
        ping_interval=ping_interval,
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ping-interval", type=float, default=20, help="keepalive, seconds")
    import uvloop

    arguments = parser.parse_args()
    uvloop.run(main(arguments.port, arguments.ping_interval))
