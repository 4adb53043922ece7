"""The private APIs live/adapters.py relies on are still where it reaches for them.

Each test names the library and what moved, so an upgrade that breaks the fan-out's fast path,
the shared tallies or the hand-over after commit fails here, loudly, and not in production.
"""

from __future__ import annotations

import asyncio
import inspect

from asgiref.sync import sync_to_async
from channels.sessions import InstanceSessionWrapper
from channels_redis.core import RedisChannelLayer

from live import adapters


def test_uvicorn_sansio_connections_keep_the_fields_the_hub_writes_through():
    assert adapters.WebSocketsSansIOProtocol is not None, "uvicorn's websockets-sansio moved"
    source = inspect.getsource(adapters.WebSocketsSansIOProtocol)
    for field in (
        "self.close_sent",
        "self.disconnected",
        "self.writable",
        "self.conn",
        "self.transport",
    ):
        assert field in source, f"uvicorn's WebSocketsSansIOProtocol no longer sets {field}"
    assert inspect.iscoroutinefunction(adapters.WebSocketsSansIOProtocol.send)


def test_channels_session_wrapper_keeps_the_real_send():
    assert "self.real_send" in inspect.getsource(InstanceSessionWrapper), (
        "channels' InstanceSessionWrapper no longer keeps `real_send`"
    )

    async def send(message: dict) -> None: ...

    assert adapters.server_send(send) is send


async def test_channels_redis_layer_offers_its_connections_and_settings():
    layer = RedisChannelLayer(hosts=["redis://127.0.0.1:1"])  # no connection is made
    assert callable(layer.connection)
    assert callable(layer.consistent_hash)
    assert adapters.layer_redis(layer, "k") is not None
    assert adapters.layer_key(layer, "tally:1") == f"{layer.prefix}:tally:1"
    assert layer.brpop_timeout > 2
    adapters.shorten_blocking_pop(layer, 2)
    assert layer.brpop_timeout == 2
    assert adapters.group_expiry(layer) == layer.group_expiry == 86400


async def test_asgiref_tells_sync_code_which_loop_called_it():
    loop = asyncio.get_running_loop()
    assert await sync_to_async(adapters.calling_loop)() is loop
    assert await sync_to_async(adapters.calling_loop, thread_sensitive=False)() is loop
    assert adapters.calling_loop() is None  # no sync-to-async call on this thread


def test_psycopg_pool_retries_with_the_backoff_the_adapter_shortens():
    from psycopg_pool import ConnectionPool
    from psycopg_pool.base import AttemptWithBackoff

    from live.adapters import POOL_RETRY_DELAY

    # The project's apps have called quick_pool_retries() by now.
    assert AttemptWithBackoff.INITIAL_DELAY == POOL_RETRY_DELAY
    assert AttemptWithBackoff.DELAY_BACKOFF == 1.0
    attempt = AttemptWithBackoff(timeout=10.0)
    attempt.update_delay(0.0)
    first = attempt.delay
    attempt.update_delay(first)
    assert first <= POOL_RETRY_DELAY * 1.2
    assert attempt.delay == first, "the delay grows again"
    for method in ("_add_connection", "_getconn_with_check_loop"):
        source = inspect.getsource(getattr(ConnectionPool, method))
        assert "AttemptWithBackoff" in source, f"psycopg_pool's {method} no longer backs off"


def test_channels_consumer_loop_sets_what_the_direct_consumer_sets_and_dispatches_alike():
    from channels.consumer import AsyncConsumer

    source = inspect.getsource(AsyncConsumer.__call__)
    for field in ("self.scope = scope", "self.channel_layer", "self.base_send"):
        assert field in source, f"channels' AsyncConsumer.__call__ no longer sets {field}"
    assert "get_handler_name(message)" in inspect.getsource(AsyncConsumer.dispatch)


async def test_the_direct_consumer_reads_its_source_in_order_until_it_stops():
    from channels.exceptions import StopConsumer

    seen: list[str] = []

    class Echo(adapters.DirectConsumer):
        async def websocket_receive(self, message: dict) -> None:
            seen.append(message["text"])

        async def websocket_disconnect(self, message: dict) -> None:
            raise StopConsumer

    messages = iter(
        [
            {"type": "websocket.receive", "text": "một"},
            {"type": "websocket.receive", "text": "hai"},
            {"type": "websocket.disconnect", "code": 1000},
        ]
    )

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None: ...

    consumer = Echo()
    await consumer({"type": "websocket"}, receive, send)
    assert seen == ["một", "hai"]
    assert consumer.scope == {"type": "websocket"}
    assert consumer.base_send is send
