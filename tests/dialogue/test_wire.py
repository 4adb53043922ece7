"""The hub's wire path: under uvicorn it writes each frame's bytes once to every plain socket."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import uvicorn
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from config.asgi import application
from live.frames import wire_frame
from live.groups import public_group
from live.hub import hub_for_running_loop
from tests.factories import EventFactory, ParticipantFactory
from tests.socket import open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def serve(compression: bool) -> AsyncIterator[int]:
    """uvicorn in this test's event loop, as production runs it; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        application,
        ws="websockets-sansio",
        ws_per_message_deflate=compression,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    await until(lambda: server.started)
    yield listener.getsockname()[1]
    server.should_exit = True
    await task


async def until(condition: Callable[[], bool], seconds: float = 5) -> None:
    """Wait for something the server does in its own time, and fail if it never happens."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (the server offers no event to wait on)
            await asyncio.sleep(0.01)


@pytest.fixture
async def plain_server() -> AsyncIterator[int]:
    async for port in serve(compression=False):
        yield port


@pytest.fixture
async def compressing_server() -> AsyncIterator[int]:
    async for port in serve(compression=True):
        yield port


def address(port: int, slug: str) -> str:
    return f"ws://127.0.0.1:{port}/ws/events/{slug}/"


async def raw_client(port: int, slug: str, receive_buffer: int = 0) -> socket.socket:
    """A socket that sends the opening handshake and reads nothing yet."""
    client = socket.socket()
    if receive_buffer:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    client.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(client, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        f"GET /ws/events/{slug}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Origin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(client, handshake.encode())
    return client


async def next_of(websocket, kind: str) -> dict:  # type: ignore[no-untyped-def]
    while True:
        frame = json.loads(await asyncio.wait_for(websocket.recv(), 5))
        if frame["type"] == kind:
            return frame


def test_a_wire_frame_is_the_text_frame_a_client_parses():
    text = json.dumps({"type": "tally", "text": "Luật Đất đai " * 40})
    stream = StreamReader()
    stream.feed_data(wire_frame(text))
    parser = Frame.parse(stream.read_exact, mask=False)
    with pytest.raises(StopIteration) as parsed:
        next(parser)
    frame = parsed.value.value
    assert frame.fin
    assert not frame.rsv1
    assert frame.data.decode() == text


async def ask_and_watch(port: int, compression: str | None, caplog) -> list[str]:  # type: ignore[no-untyped-def]
    """Three watchers on uvicorn see a question published; returns the frames the server encoded.

    uvicorn's connections log each frame they encode at DEBUG ("> TEXT ..."); the frames the hub
    wrote as bytes are not among them.
    """
    caplog.set_level(logging.DEBUG, logger="uvicorn.error")
    event = await sync_to_async(EventFactory)()
    participant = await sync_to_async(ParticipantFactory)(event=event)
    cookie = await session_cookie(participant_id=participant.pk, event_id=event.pk)
    # The asker is on the test client (no server connection), the watchers on uvicorn.
    _, asker, _ = await open_socket(event.slug, cookie=cookie)
    origin = f"http://127.0.0.1:{port}"
    watchers = [
        await connect(address(port, event.slug), origin=origin, compression=compression)
        for _ in range(3)
    ]
    for watcher in watchers:
        assert (await next_of(watcher, "snapshot"))["seq"] == 0
    await asker.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Qua dây"})
    for watcher in watchers:
        frame = await next_of(watcher, "question.published")
        assert frame["question"]["text"] == "Qua dây"
        assert frame["seq"] == 1
    subscribers = hub_for_running_loop().members[public_group(event.pk)]
    assert sorted(s.writes_wire for s in subscribers) == [False, True, True, True]
    for watcher in watchers:
        await watcher.close()
    await asker.close()
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("> TEXT")]


async def test_uvicorn_sockets_take_each_frame_as_bytes_encoded_once(plain_server, caplog):
    encoded = await ask_and_watch(plain_server, None, caplog)
    assert len([m for m in encoded if '"snapshot"' in m]) == 3  # sent by each consumer
    assert not [m for m in encoded if "question.published" in m]  # written by the hub


async def test_compressing_sockets_get_their_frames_from_the_server(compressing_server, caplog):
    encoded = await ask_and_watch(compressing_server, "deflate", caplog)
    assert len([m for m in encoded if "question.published" in m]) == 3


async def test_a_socket_that_stops_reading_is_dropped_and_the_others_get_everything(plain_server):
    event = await sync_to_async(EventFactory)()
    slug = event.slug
    origin = f"http://127.0.0.1:{plain_server}"
    reader = await connect(address(plain_server, slug), origin=origin, compression=None)
    await next_of(reader, "snapshot")
    hub = hub_for_running_loop()
    group = public_group(event.pk)
    (reading,) = hub.members[group]
    # A client that completes the handshake, then never reads again, with a small buffer.
    stalled = await raw_client(plain_server, slug, receive_buffer=4096)
    assert b" 101 " in await asyncio.wait_for(
        asyncio.get_running_loop().sock_recv(stalled, 4096), 5
    )
    await until(lambda: len(hub.members[group]) == 2)
    (stopped,) = hub.members[group] - {reading}
    assert reading.writes_wire
    assert stopped.writes_wire
    received = 0
    for number in range(600):
        text = json.dumps({"type": "bench", "n": number, "pad": "x" * 16_000})
        await hub.dispatch({"group": group, "text": text})
        while received <= number - 8:  # the reader keeps up; the stalled socket does not
            received = json.loads(await asyncio.wait_for(reader.recv(), 5))["n"] + 1
    while received < 600:
        received = json.loads(await asyncio.wait_for(reader.recv(), 5))["n"] + 1
    assert stopped.stalled
    assert not reading.stalled
    await until(lambda: stopped not in hub.members[group])  # dropped, and being closed
    stalled.close()
    await reader.close()


async def test_the_hub_writes_a_heartbeat_to_quiet_sockets(plain_server, settings):
    settings.LIVE = {**settings.LIVE, "HEARTBEAT_SECONDS": 0.2}
    event = await sync_to_async(EventFactory)()
    client = await raw_client(plain_server, event.slug)
    loop = asyncio.get_running_loop()
    received = b""
    while b"\r\n\r\n" not in received:
        received += await asyncio.wait_for(loop.sock_recv(client, 65536), 5)
    head, stream_bytes = received.split(b"\r\n\r\n", 1)
    assert b" 101 " in head
    stream = StreamReader()
    stream.feed_data(stream_bytes)
    frames = []
    async with asyncio.timeout(5):
        while len(frames) < 3:
            parser = Frame.parse(stream.read_exact, mask=False)
            while True:
                try:
                    next(parser)
                except StopIteration as parsed:
                    frames.append(parsed.value)
                    break
                stream.feed_data(await loop.sock_recv(client, 65536))
    snapshot, *beats = frames
    assert json.loads(snapshot.data)["type"] == "snapshot"
    assert [(frame.opcode, frame.data) for frame in beats] == [(Opcode.PONG, b"")] * 2
    client.close()
