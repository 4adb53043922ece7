"""Every touch of a server's or library's private API, in one room.

uvicorn's connection objects, Channels' session wrapper, channels_redis's connection pool and
asgiref's thread-local event loop are not public interfaces. Nothing else in the project reaches
into them; `tests/live/test_adapters.py` fails loudly when an upgrade moves what is used here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.sessions import InstanceSessionWrapper
from websockets.protocol import OPEN

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # uvicorn is the production server; the development server is daphne
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

# --- uvicorn: writing a frame's bytes straight to a connection -----------------------------


def wire_socket(send: Any) -> Any:
    """uvicorn's websockets-sansio connection behind an ASGI `send`, or None for other servers.

    Every server-to-client frame of a message is the same bytes on every socket (unmasked, and
    uncompressed when the socket negotiated no extension), so the hub can encode it once and
    write it to each connection's transport. The connection's own `send` would encode the same
    text again for each socket and run two coroutine layers around it: most of what separates
    the application's fan-out from a bare `websockets` broadcast.
    """
    owner = getattr(send, "__self__", None)
    if WebSocketsSansIOProtocol is None or not isinstance(owner, WebSocketsSansIOProtocol):
        return None
    return owner


def write_wire(connection: Any, wire: bytes) -> bool:
    """Write a frame's bytes to the connection if it is open, idle and plain; else say no.

    What falls back to the server's own `send`: a connection that is closing or closed (its
    `send` raises or ignores as the server decides), one whose transport asked to stop writing
    (its `send` waits, and the subscriber's backlog takes over), and one with an extension such
    as compression, whose frames the server must transform itself.
    """
    if (
        connection is None
        or connection.close_sent
        or connection.disconnected
        or not connection.writable.is_set()
        or connection.conn.state is not OPEN
        or connection.conn.extensions
    ):
        return False
    transport = connection.transport
    if transport.is_closing():
        return False
    transport.write(wire)
    return True


# --- Channels: the server's send under the session middleware -------------------------------


def server_send(send: Any) -> Any:
    """The server's own ASGI `send` under Channels' session middleware, for frames after accept."""
    # The wrapper only has work on `websocket.accept` (saving the session), yet inspects the
    # lazy session on every frame: a measurable cost per socket per broadcast.
    owner = getattr(send, "__self__", None)
    while isinstance(owner, InstanceSessionWrapper):
        send = owner.real_send
        owner = getattr(send, "__self__", None)
    return send


# --- channels_redis: the layer's own Redis, for the shared tally set ------------------------


def layer_redis(layer: Any, key: str) -> Any | None:
    """A Redis client of the channel layer's pool for `key`, or None for a layer without Redis."""
    if not hasattr(layer, "connection") or not hasattr(layer, "consistent_hash"):
        return None
    return layer.connection(layer.consistent_hash(key))


def layer_key(layer: Any, name: str) -> str:
    """A key in the channel layer's own namespace."""
    return f"{getattr(layer, 'prefix', 'asgi')}:{name}"


def shorten_blocking_pop(layer: Any, seconds: int) -> None:
    """Make the layer's blocking read return within `seconds` (redis/redis-py#4091)."""
    # redis-py 8 reads with a 5 s socket timeout by default, exactly channels_redis's 5 s
    # blocking pop: a reply that comes a little late is dropped with its connection, and the
    # broadcast it carried is lost. Block for less.
    if getattr(layer, "brpop_timeout", 0) > seconds:
        layer.brpop_timeout = seconds


def group_expiry(layer: Any) -> float:
    """Seconds after which the layer forgets a channel's group membership (24 h by default)."""
    return float(getattr(layer, "group_expiry", 86400))


# --- asgiref: the event loop a sync function was called from --------------------------------


def calling_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop that called the current sync code through `sync_to_async`, if any."""
    loop: asyncio.AbstractEventLoop | None = getattr(
        SyncToAsync.threadlocal, "main_event_loop", None
    )
    if loop is None or loop.is_closed():
        return None
    return loop


# --- psycopg_pool: how soon a pool tries again after PostgreSQL went away -------------------

# psycopg_pool waits 1 s, then 2, 4, 8 s... (`AttemptWithBackoff`) both between its attempts to
# reconnect a lost connection and, inside `getconn`, between two pooled connections that fail
# the health check. After a PostgreSQL restart the pool is full of dead connections: the caller
# (for the sockets, the process's one write thread) sleeps 1 + 2 + 4 s through them, and the
# reconnects land seconds after the server is back. No public option sets these delays.
POOL_RETRY_DELAY = 0.25  # seconds between two attempts, without growing


def quick_pool_retries(delay: float = POOL_RETRY_DELAY) -> None:
    """Make psycopg_pool try again every `delay` seconds instead of backing off exponentially."""
    from psycopg_pool.base import AttemptWithBackoff

    AttemptWithBackoff.INITIAL_DELAY = delay
    AttemptWithBackoff.DELAY_BACKOFF = 1.0


# --- Channels: a consumer that reads its one source directly --------------------------------


class DirectConsumer:
    """Channels' consumer loop, without its per-message task and thread hop.

    Channels' `AsyncConsumer.__call__` waits on a consumer's sources through a new task and an
    `asyncio.wait` per message, and `dispatch` hops to a thread to close stale database
    connections before each handler; for a vote storm both are a measurable share of each vote.
    The hub-fed sockets have one source (the client; the hub writes to them directly) and touch
    the database only through `live.threads`, which closes stale connections in its own thread.
    This sets what Channels' own `__call__` sets before its loop (`scope`, `channel_layer`,
    `base_send`) and dispatches as Channels does (`get_handler_name`): the test checks both
    against the installed Channels.
    """

    scope: Any
    channel_layer: Any
    base_send: Any

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
