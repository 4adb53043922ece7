"""Liveness and readiness: `/healthz` says the process answers, `/readyz` that it can serve.

nginx and the process manager use them (deploy/nginx/doithoai.conf, deploy/systemd/). Readiness
runs django-health-check's checks of the database and the cache, and ours of the channel layer,
the task queue's table and the task worker's heartbeat (config/taskworker.py), all at once and
each within a short time, so a server that hangs answers "not ready" instead of hanging the probe.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Iterator
from typing import Any

from channels.layers import get_channel_layer
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.exceptions import RedisError

from config.version import version

# How long one check may take before it counts as failed. Short: a probe that waits for a dead
# server as long as a request would tells the load balancer nothing in time.
CHECK_TIMEOUT = datetime.timedelta(seconds=2)

# The task queue's database backend (django-tasks-db); its table is checked when it is installed.
TASK_RESULT_MODEL = ("django_tasks_database", "DBTaskResult")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and its event loop answers, and its release; touches nothing else."""
    return HttpResponse(f"ok {version()}\n", content_type="text/plain")


@dataclasses.dataclass
class Database(checks.Database):
    """`SELECT 1` on the default database."""

    timeout = CHECK_TIMEOUT


@dataclasses.dataclass
class ChannelLayer(HealthCheck):
    """A message sent to a fresh channel of the layer comes back."""

    alias: str = "default"
    timeout = CHECK_TIMEOUT

    async def run(self) -> None:
        layer = get_channel_layer(self.alias)
        if layer is None:
            raise ServiceUnavailable("no channel layer configured")
        # A plain channel name, not a process-local one ("!"): receiving it does not go through
        # the shared receive loop the hub's own channel uses.
        channel = f"readyz.{uuid.uuid4().hex}"
        try:
            await layer.send(channel, {"type": "readyz.ping"})
            message = await layer.receive(channel)
        except (OSError, RedisError) as error:
            raise ServiceUnavailable(f"channel layer: {type(error).__name__}") from error
        if message.get("type") != "readyz.ping":
            raise ServiceUnavailable("channel layer returned another message")


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The task queue's table answers a query."""

    timeout = CHECK_TIMEOUT

    def run(self) -> None:
        model = apps.get_model(*TASK_RESULT_MODEL)
        # Checks run on threads of their own, outside any request: a connection that broke with
        # a PostgreSQL restart must be let go here, or every later check would reuse it.
        close_old_connections()
        try:
            list(model._default_manager.order_by().values_list("pk")[:1])
        except DatabaseError as error:
            raise ServiceUnavailable(f"task queue table: {type(error).__name__}") from error
        finally:
            connections.close_all()


@dataclasses.dataclass
class TaskWorker(HealthCheck):
    """A task worker wrote its heartbeat within TASK_WORKER_STALE_SECONDS."""

    timeout = CHECK_TIMEOUT

    def run(self) -> None:
        from config import taskworker

        # On a thread of its own, like TaskQueue: a database that hangs must not hold the
        # request's own thread, which the response still needs.
        close_old_connections()
        try:
            seen = taskworker.last_seen()
        except DatabaseError as error:
            raise ServiceUnavailable(f"task worker heartbeat: {type(error).__name__}") from error
        finally:
            connections.close_all()
        if seen is None:
            raise ServiceUnavailable("no task worker has run (systemctl status doithoai-tasks)")
        silent = (timezone.now() - seen).total_seconds()
        if silent > settings.TASK_WORKER_STALE_SECONDS:
            raise ServiceUnavailable(
                f"no task worker seen for {silent:.0f} s (systemctl status doithoai-tasks)"
            )


def task_queue_installed() -> bool:
    try:
        apps.get_model(*TASK_RESULT_MODEL)
    except LookupError:
        return False
    return True


class ReadinessView(HealthCheckView):
    """Every check at once; 200 when all pass, 503 naming the ones that failed.

    Always JSON: the probes are machines, and the HTML page needs the library's templates.
    """

    checks = (
        Database,
        ("health_check.checks.Cache", {"timeout": CHECK_TIMEOUT}),
        ChannelLayer,
    )

    def get_checks(self) -> Iterator[HealthCheck]:
        yield from super().get_checks()
        if task_queue_installed():
            yield TaskQueue()
            yield TaskWorker()

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = await super().get(request, *args, **kwargs)
        # The library answers 500; a load balancer reads 503 as "send traffic elsewhere for now".
        if response.status_code == 500:
            response.status_code = 503
        return response

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response: HttpResponse = self.render_to_response_json(kwargs.get("status", 200))
        return response


readyz = ReadinessView.as_view()
