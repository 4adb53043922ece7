"""The Prometheus endpoint of a worker, HTTP latency by view, and the task queue's depth.

The metric objects of the real-time core are defined in live/metrics.py; this module adds what
belongs to the HTTP side and serves them all. Each worker process is scraped on its own: through
`/metrics` on its own port, which answers only the addresses in METRICS_ALLOWED_IPS (loopback by
default; nginx never passes `/metrics` on), or on a separate port (METRICS_PORT).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from functools import cache
from pathlib import Path

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

import live.metrics  # noqa: F401  (registers the real-time series)
from config.health import TASK_RESULT_MODEL
from config.version import version

log = logging.getLogger(__name__)

HTTP_SECONDS = Histogram(
    "doithoai_http_request_seconds",
    "Time to answer an HTTP request, by the view that answered it.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# 1 for the release this worker runs: during a rolling upgrade, which worker runs which.
BUILD_INFO = Gauge("doithoai_build_info", "The release this worker runs.", ["version"])
BUILD_INFO.labels(version=version()).set(1)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _view_name(request: HttpRequest) -> str:
    # The resolved view's name, never the path: paths carry slugs and tokens, and one series
    # per dialogue (or per stage link) would grow without bound.
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return str(match.view_name or match._func_path)


def _observe(request: HttpRequest, started: float) -> None:
    method = request.method if request.method in KNOWN_METHODS else "other"
    HTTP_SECONDS.labels(view=_view_name(request), method=method).observe(
        time.perf_counter() - started
    )


class HttpLatencyMiddleware:
    """Times every request, from the first middleware to the response, by resolved view."""

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
        started = time.perf_counter()
        response = self.get_response(request)
        _observe(request, started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response: HttpResponse = await self.get_response(request)  # type: ignore[misc]
        _observe(request, started)
        return response


class TaskQueueCollector(Collector):
    """Tasks waiting in the task queue, per queue, counted at scrape time from the database."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registering asks a collector for its series: without this, `collect` would query the
        # database while the apps load (and, in the tests, before the test database exists).
        yield self._family()

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "doithoai_task_queue_depth", "Tasks waiting to run, per queue.", labels=["queue"]
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        try:
            model = apps.get_model(*TASK_RESULT_MODEL)
        except LookupError:
            return  # the task queue is not installed: no series rather than a false zero
        try:
            rows = (
                model._default_manager.filter(status="READY")
                .order_by()
                .values_list("queue_name")
                .annotate(waiting=Count("pk"))
            )
            for queue_name, waiting in rows:
                family.add_metric([queue_name], waiting)
        except DatabaseError:
            log.warning("task queue depth: the database did not answer", exc_info=True)
            return
        yield family


_collector = TaskQueueCollector()
REGISTRY.register(_collector)

# The outcome files deploy/backup.sh and deploy/restore-drill.sh write in BACKUP_DIR
# (deploy/status.sh): `outcome ok|failed`, `finished <unix time>`, `last_success <unix time>`.
OUTCOMES = {"backup": "backup.status", "restore_drill": "restore-drill.status"}


def read_outcome(path: Path) -> dict[str, str] | None:
    """The fields of one outcome file; None when there is none (yet), or it cannot be read."""
    try:
        text = path.read_text()
    except OSError:
        return None
    fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    if fields.get("outcome") not in ("ok", "failed"):
        return None
    return fields


class OutcomeCollector(Collector):
    """The last backup's and restore drill's outcome on this machine, read at scrape time.

    No series where there is no file: a machine that runs no backup timer says nothing, and the
    alerts look at the machine that does (deploy/prometheus/doithoai-alerts.yml).
    """

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, filename in OUTCOMES.items():
            fields = read_outcome(Path(settings.BACKUP_DIR) / filename)
            if fields is None:
                continue
            yield GaugeMetricFamily(
                f"doithoai_{name}_last_run_ok",
                f"1 if the last {name.replace('_', ' ')} succeeded, 0 if it failed.",
                value=1 if fields["outcome"] == "ok" else 0,
            )
            for field, what in (("finished", "ended"), ("last_success", "last succeeded")):
                try:
                    when = float(fields.get(field, ""))
                except ValueError:
                    continue
                yield GaugeMetricFamily(
                    f"doithoai_{name}_{'last_run' if field == 'finished' else 'last_success'}"
                    "_timestamp_seconds",
                    f"When the {name.replace('_', ' ')} {what} (0: never).",
                    value=when,
                )


REGISTRY.register(OutcomeCollector())


@cache
def _allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(entry, strict=False) for entry in settings.METRICS_ALLOWED_IPS
    )


def client_allowed(address: str | None) -> bool:
    """Whether `address` may read the metrics (METRICS_ALLOWED_IPS, addresses or networks)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _allowed_networks())


def metrics(request: HttpRequest) -> HttpResponse:
    """This worker's metrics in Prometheus's text format; 404 to any other address."""
    if not client_allowed(request.META.get("REMOTE_ADDR")):
        raise Http404
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


def start_metrics_server() -> None:
    """Serve the metrics on METRICS_PORT as well, in a thread of this process, when it is set."""
    if not settings.METRICS_PORT:
        return
    from prometheus_client import start_http_server

    start_http_server(settings.METRICS_PORT, addr=settings.METRICS_HOST)
    log.info("metrics on %s:%s", settings.METRICS_HOST, settings.METRICS_PORT)
