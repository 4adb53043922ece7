"""A citizen socket client for tests, over the real ASGI application with its middleware."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from config.asgi import application
from dialogue.selectors import SESSION_KEY as PARTICIPANTS_KEY
from events.models import User


@sync_to_async
def session_cookie(
    *, user: User | None = None, participant_id: int | None = None, event_id: int | None = None
) -> str:
    session = SessionStore()
    if user is not None:
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if participant_id is not None:
        session[PARTICIPANTS_KEY] = {str(event_id): participant_id}
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Client:
    """One open citizen socket; `send` adds a command id, `next` reads the next frame."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.counter = 0

    async def send(self, frame: dict[str, Any]) -> str:
        self.counter += 1
        command_id = f"c{self.counter}"
        await self.communicator.send_to(text_data=json.dumps({**frame, "id": command_id}))
        return command_id

    async def send_raw(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def next(self, timeout: float = 10) -> dict[str, Any]:
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def next_of(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        """Skip frames of other types until one of `kind` arrives."""
        return await self.next_of_any(kind, timeout=timeout)

    async def next_of_any(self, *kinds: str, timeout: float = 10) -> dict[str, Any]:
        """Skip frames of other types until one of `kinds` arrives."""
        while True:
            frame = await self.next(timeout)
            if frame["type"] in kinds:
                return frame

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout=timeout)

    async def close_code(self, timeout: float = 10) -> tuple[int, list[dict[str, Any]]]:
        """Wait for the server to close the socket; return its code and the frames before it."""
        frames = []
        while True:
            output = await self.communicator.receive_output(timeout)
            if output["type"] == "websocket.close":
                return output.get("code", 1000), frames
            frames.append(json.loads(output["text"]))

    async def close(self) -> None:
        await self.communicator.disconnect()


async def open_socket(
    slug: str,
    *,
    cookie: str = "",
    origin: str = "http://127.0.0.1:8000",
    client_ip: str = "198.51.100.7",
) -> tuple[bool, Client, dict[str, Any] | None]:
    """Connect; return (accepted, client, snapshot)."""
    headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, f"/ws/events/{slug}/", headers=headers)
    communicator.scope["client"] = (client_ip, 40000)  # as a server puts the peer's address
    accepted, _code = await communicator.connect(timeout=5)
    client = Client(communicator)
    if not accepted:
        return False, client, None
    return True, client, await client.next()
