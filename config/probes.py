"""The loopback probes: `/healthz`, `/readyz` and `/metrics`, whatever the `Host` header says.

A probe (the unit's start check, `curl http://127.0.0.1:8001/readyz`, a Prometheus scrape)
names the address it connected to, `127.0.0.1:8001`, not the site's name. Django checks every
request's `Host` against ALLOWED_HOSTS, which lists the site's name only, and answers 400. Adding
`127.0.0.1` to ALLOWED_HOSTS is no way out: the websocket origin check accepts what it lists, so
a page served from `http://127.0.0.1` could open sockets.

So the probes' three paths are served to loopback clients whatever their `Host`, and to nobody
else: any other address gets 404 (the metrics: the addresses of METRICS_ALLOWED_IPS, loopback by
default). Behind nginx, uvicorn takes the client's address from `X-Forwarded-For`, so a request
from outside that nginx passes on is refused too. Every other path, and every websocket, is
checked against ALLOWED_HOSTS as before.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

from config import metrics

PROBES = frozenset({"/healthz", "/readyz"})
METRICS = "/metrics"


def is_loopback(address: str | None) -> bool:
    """Whether `address` (a REMOTE_ADDR) is this machine's loopback: 127.0.0.0/8 or ::1."""
    if not address:
        return False
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _connected_host(request: HttpRequest) -> str:
    # The host and port the probe connected to, as it said; nothing is built from it.
    return str(request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME") or "localhost")


def refused(request: HttpRequest) -> HttpResponse | None:
    """404 for a probe from an address that may not read it; None for everything else.

    A probe that may be read is let through with its `Host` taken as it is.
    """
    path = request.path_info
    if path not in PROBES and path != METRICS:
        return None
    address = request.META.get("REMOTE_ADDR")
    allowed = metrics.client_allowed(address) if path == METRICS else is_loopback(address)
    if not allowed:
        return HttpResponseNotFound("", content_type="text/plain")
    # Only for this request, and only for these paths: CommonMiddleware and anything else that
    # asks for the host get the probe's own, unchecked against ALLOWED_HOSTS.
    request.get_host = lambda: _connected_host(request)  # type: ignore[method-assign]
    return None


class LoopbackProbeMiddleware:
    """Serves the probes to loopback whatever their `Host`; refuses them to everyone else.

    Placed before SecurityMiddleware and CommonMiddleware, the first to ask for the host.
    """

    sync_capable = True
    async_capable = True

    def __init__(
        self, get_response: Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]
    ) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        return refused(request) or self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        if (response := refused(request)) is not None:
            return response
        answered: HttpResponse = await self.get_response(request)  # type: ignore[misc]
        return answered
