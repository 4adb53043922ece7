"""The base of every socket the hub feeds: no channel of its own, one message at a time."""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer


class HubConsumer(AsyncWebsocketConsumer):
    """Channels' websocket consumer, minus what a socket without a channel does not need.

    The process's hub receives every broadcast once and writes it to each local socket
    (dialogue/fanout.py), so a consumer never reads from the channel layer. Channels still
    waits on its one source through a new task and an `asyncio.wait` per message, and hops to
    a thread to close stale database connections before each handler; for a vote storm both
    are a measurable share of each vote. These sockets touch the database only through
    `database_sync_to_async`, which closes stale connections in its own thread.
    """

    channel_layer_alias = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
