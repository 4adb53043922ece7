"""Fixtures of the operations tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def task_worker_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """A task worker wrote its heartbeat just now, as `manage.py task_worker` does.

    /readyz reads the heartbeat on a thread of its own, which does not see a test's
    uncommitted rows: tests that need the row itself are transactional.
    """
    from django.utils import timezone

    from config import taskworker

    monkeypatch.setattr(taskworker, "last_seen", timezone.now)
