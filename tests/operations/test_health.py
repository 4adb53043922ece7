"""`/healthz` and `/readyz` on the embedded defaults, and readiness failing on a dead server."""

from __future__ import annotations

import datetime
import socket

import pytest
from django.test import Client
from django.utils import timezone

from config import health

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_answers_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content.decode().startswith("ok ")
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_every_check_passes(task_worker_seen):
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    checks = response.json()
    assert set(checks.values()) == {"OK"}
    assert any(name.startswith("Database") for name in checks)
    assert any(name.startswith("Cache") for name in checks)
    assert any(name.startswith("ChannelLayer") for name in checks)
    assert any(name.startswith("TaskWorker") for name in checks)


def failed_checks() -> dict[str, str]:
    response = Client().get("/readyz")
    assert response.status_code in (200, 503)
    return {name.split("(")[0]: state for name, state in response.json().items() if state != "OK"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_not_ready_when_no_task_worker_ever_ran():
    failed = failed_checks()
    assert list(failed) == ["TaskWorker"]
    assert "doithoai-tasks" in failed["TaskWorker"]


@pytest.mark.django_db(transaction=True)
def test_readyz_is_not_ready_once_the_task_worker_has_not_been_seen_for_minutes(settings):
    from config.models import TaskWorkerHeartbeat

    now = timezone.now()
    stale = datetime.timedelta(seconds=settings.TASK_WORKER_STALE_SECONDS)
    TaskWorkerHeartbeat.objects.create(worker="a", seen_at=now - stale * 0.9)
    assert failed_checks() == {}
    TaskWorkerHeartbeat.objects.filter(worker="a").update(seen_at=now - stale * 2)
    assert list(failed_checks()) == ["TaskWorker"]
    # Any machine's worker will do.
    TaskWorkerHeartbeat.objects.create(worker="b", seen_at=now)
    assert failed_checks() == {}


def test_readyz_answers_503_naming_the_cache_when_redis_is_gone(settings, task_worker_seen):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    failed = {name for name, state in response.json().items() if state != "OK"}
    assert [name.split("(")[0] for name in failed] == ["Cache"]


def test_readyz_answers_503_naming_the_channel_layer_when_it_is_gone(settings, task_worker_seen):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]},
        }
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    failed = {name.split("(")[0] for name, state in response.json().items() if state != "OK"}
    assert failed == {"ChannelLayer"}


def test_the_task_queue_is_checked_now_that_it_is_installed():
    checks = list(health.ReadinessView().get_checks())
    assert health.task_queue_installed() is True
    assert any(isinstance(check, health.TaskQueue) for check in checks)
    assert any(isinstance(check, health.TaskWorker) for check in checks)
