"""`manage.py send_test_email ADDRESS`: through the task queue, as every message leaves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from tests.operations.test_task_worker import database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_test_email_is_a_task_the_worker_sends(run_tasks):
    out = StringIO()
    call_command("send_test_email", "can.bo@tinh.gov.vn", stdout=out)
    assert mail.outbox == []  # only queued
    [task] = DBTaskResult.objects.all()
    assert task.task_path == "events.tasks.deliver_email"
    assert f"queued task {task.pk}" in out.getvalue()
    assert run_tasks() == 1
    [sent] = mail.outbox
    assert sent.to == ["can.bo@tinh.gov.vn"]
    assert sent.subject.startswith("Thư thử")  # Vietnamese, the site's language
    assert "1." in sent.body  # the release


@pytest.mark.django_db
def test_not_an_address_is_refused():
    with pytest.raises(CommandError, match="not an email address"):
        call_command("send_test_email", "nobody")
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_waiting_without_a_worker_says_to_look_at_it():
    with pytest.raises(CommandError, match="doithoai-tasks"):
        call_command("send_test_email", "a@tinh.gov.vn", wait=0.5, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_waiting_for_the_worker_says_it_was_sent(smtp_server):
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_server.port),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        out = StringIO()
        call_command("send_test_email", "hoa@tinh.gov.vn", wait=120, stdout=out)
        assert "sent to hoa@tinh.gov.vn" in out.getvalue()
        [message] = smtp_server.inbox.messages
        assert message["To"] == "hoa@tinh.gov.vn"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=120)
