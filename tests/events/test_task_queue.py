"""The task queue: mail is queued, the real worker sends it, a failed attempt is tried again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.mailservers import SMTPServer, use_smtp

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
SUCCESSFUL, FAILED, READY = "SUCCESSFUL", "FAILED", "READY"


@pytest.mark.django_db
def test_sending_mail_only_queues_a_task(run_tasks):
    message = EmailMultiAlternatives(
        "Giấy mời", "Nội dung", None, ["a@example.org"], cc=["b@example.org"]
    )
    message.attach_alternative("<p>Nội dung</p>", "text/html")
    message.attach("bien-ban.txt", b"\x00\x01", "application/octet-stream")
    message.send()
    assert mail.outbox == []
    assert DBTaskResult.objects.get().task_path == "events.tasks.deliver_email"
    assert run_tasks() == 1
    [sent] = mail.outbox
    assert (sent.subject, sent.to, sent.cc) == ("Giấy mời", ["a@example.org"], ["b@example.org"])
    assert sent.alternatives[0][0] == "<p>Nội dung</p>"
    assert sent.attachments[0][1] == b"\x00\x01"


@pytest.mark.django_db
def test_mail_of_a_rolled_back_write_is_never_queued():
    def write_that_fails() -> None:
        with transaction.atomic():
            send_mail("Chào", "Nội dung", None, ["a@example.org"])
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        write_that_fails()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_a_refused_message_is_tried_again_after_a_delay_and_then_delivered(settings, run_tasks):
    server = SMTPServer(refuse=1)
    try:
        use_smtp(settings, server.port)
        send_mail("Chào", "Nội dung", None, ["a@example.org"])
        before = timezone.now()
        assert run_tasks() == 1  # the first attempt: the server says "try again later"

        first, retry = DBTaskResult.objects.order_by("enqueued_at")
        assert first.status == FAILED
        assert first.exception_class_path == "smtplib.SMTPDataError"
        assert retry.status == READY
        assert retry.args_kwargs["kwargs"] == {"attempt": 2}
        # The message moved to the next attempt; the finished one keeps none of it.
        assert retry.args_kwargs["args"][0]["subject"] == "Chào"
        assert first.args_kwargs["args"] == [{"redacted": True, "recipients": 1}]
        assert (retry.run_after - before).total_seconds() >= settings.TASK_RETRY_DELAYS[0]
        assert run_tasks() == 0  # not due yet
        assert server.inbox.messages == []

        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
        assert run_tasks() == 1
        retry.refresh_from_db()
        assert retry.status == SUCCESSFUL
        assert [m["Subject"] for m in server.inbox.messages] == ["Chào"]
    finally:
        server.close()


@pytest.mark.django_db
def test_the_retries_stop_after_the_last_delay(settings, run_tasks):
    settings.TASK_RETRY_DELAYS = [0, 0]
    server = SMTPServer(refuse=10)
    try:
        use_smtp(settings, server.port)
        send_mail("Chào", "Nội dung", None, ["a@example.org"])
        assert run_tasks() == 3  # the first attempt and two retries, each due at once
        attempts = DBTaskResult.objects.order_by("enqueued_at")
        assert [task.status for task in attempts] == [FAILED, FAILED, FAILED]
        assert [task.args_kwargs["kwargs"].get("attempt", 1) for task in attempts] == [1, 2, 3]
        assert server.inbox.messages == []
    finally:
        server.close()


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_delivers_queued_mail_through_smtp(smtp_server: SMTPServer):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    worker = subprocess.Popen(
        [*WORKER, "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        send_mail("Câu hỏi của bạn đã được trả lời", "Nội dung", None, ["hoa@example.org"])
        assert smtp_server.inbox.received.wait(timeout=120), "no mail arrived"
        [message] = smtp_server.inbox.messages
        assert message["To"] == "hoa@example.org"
        deadline = time.monotonic() + 60
        while DBTaskResult.objects.get().status != SUCCESSFUL:
            assert time.monotonic() < deadline, "the task was never marked as done"
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output.decode()
