"""The access log: one line per HTTP request and two per websocket, each with its id.

HTTP requests are logged by django-structlog's RequestMiddleware (`request_finished`, with the
request id nginx sent); the receivers here add the view and the duration. Websockets get a
`socket_id` from SocketLogMiddleware, bound for every line logged while the socket is served.
Secret links are masked by the formatter (config/logs.py), not here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import MutableMapping
from typing import Any

import structlog
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_structlog import signals

from config.logs import mask_secrets

log = structlog.get_logger("doithoai.access")


@receiver(signals.bind_extra_request_metadata, dispatch_uid="config.logs.request_started")
def _request_started(sender: object, request: HttpRequest, **kwargs: Any) -> None:
    request._log_started = time.perf_counter()  # type: ignore[attr-defined]


@receiver(signals.bind_extra_request_finished_metadata, dispatch_uid="config.logs.request_finished")
def _request_finished(
    sender: object,
    request: HttpRequest,
    response: HttpResponse,
    log_kwargs: dict[str, Any],
    **kwargs: Any,
) -> None:
    """The access line's view and duration (ms), beside django-structlog's code and request."""
    match = getattr(request, "resolver_match", None)
    log_kwargs["view"] = match.view_name if match is not None else None
    started = getattr(request, "_log_started", None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)


Scope = MutableMapping[str, Any]


class SocketLogMiddleware:
    """Gives each websocket a `socket_id` on every line logged while serving it, and logs its
    opening and its end (the socket's access log).

    It only binds a context variable around the application: it must not wrap `send`, which the
    hub recognises to write frames straight to the server's connection (dialogue/fanout.py).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        socket_id = uuid.uuid4().hex
        # The task serving this socket has a context of its own: the binding stays in it.
        structlog.contextvars.bind_contextvars(socket_id=socket_id)
        path = mask_secrets(scope.get("path", ""))
        started = time.perf_counter()
        log.info("socket_opened", path=path)
        try:
            return await self.app(scope, receive, send)
        finally:
            log.info(
                "socket_closed",
                path=path,
                duration_s=round(time.perf_counter() - started, 1),
            )
            structlog.contextvars.unbind_contextvars("socket_id")
