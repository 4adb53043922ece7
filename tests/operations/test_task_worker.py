"""The task worker: its heartbeat, the text finished message tasks drop, and its log levels."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.mail import send_mail
from django.db import connection
from django_tasks_db.models import DBTaskResult

from config.models import TaskWorkerHeartbeat
from config.taskworker import Heartbeat
from tests.mailservers import SMTPServer, use_smtp

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120.0  # generous: the machine may be busy
SECRET = "Mã đăng nhập của bạn: 482913"


def wait_for(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT:.0f} s for {what}"
        time.sleep(0.1)


def stored_text() -> str:
    return json.dumps(list(DBTaskResult.objects.values("args_kwargs")), ensure_ascii=False)


@pytest.mark.django_db
def test_a_sent_message_leaves_no_text_in_its_task(run_tasks):
    send_mail("Mã đăng nhập", SECRET, None, ["lan@example.org"])
    assert "482913" in stored_text()  # queued: the worker needs it
    assert run_tasks() == 1
    [finished] = DBTaskResult.objects.all()
    assert finished.status == "SUCCESSFUL"
    assert finished.args_kwargs == {"args": [{"redacted": True, "recipients": 1}], "kwargs": {}}
    for words in ("482913", "Mã đăng nhập", "lan@example.org"):
        assert words not in stored_text()


@pytest.mark.django_db
def test_failed_attempts_drop_their_text_and_only_the_next_attempt_keeps_it(settings, run_tasks):
    settings.TASK_RETRY_DELAYS = [0, 0]
    server = SMTPServer(refuse=10)
    try:
        use_smtp(settings, server.port)
        send_mail("Mã đăng nhập", SECRET, None, ["lan@example.org", "hoa@example.org"])
        run_tasks()
    finally:
        server.close()
    attempts = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [task.status for task in attempts] == ["FAILED"] * 3
    for attempt in attempts:
        assert attempt.args_kwargs["args"] == [{"redacted": True, "recipients": 2}]
        assert attempt.traceback  # what an operator needs is kept
    assert "482913" not in stored_text()


@pytest.mark.django_db
def test_a_retried_attempt_logs_a_warning_and_only_the_last_failure_an_error(
    settings, run_tasks, caplog
):
    settings.TASK_RETRY_DELAYS = [0, 0]
    server = SMTPServer(refuse=10)
    try:
        use_smtp(settings, server.port)
        send_mail("Chào", "Nội dung", None, ["lan@example.org"])
        with caplog.at_level(logging.INFO):
            assert run_tasks() == 3
    finally:
        server.close()
    failed = [r for r in caplog.records if "state=FAILED" in r.getMessage()]
    assert [r.levelname for r in failed] == ["WARNING", "WARNING", "ERROR"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert {r.name for r in errors} == {"django_tasks", "events.tasks"}  # and the "gave up" line
    assert all("attempt" in r.getMessage() or "FAILED" in r.getMessage() for r in errors)


@pytest.mark.django_db
def test_a_retried_attempt_is_a_warning_in_the_json_lines_too(settings, run_tasks, capsys):
    # Through the project's own formatter, as the journal gets it (LOG_FORMAT=json).
    import logging.config

    from config.logs import logging_settings

    settings.TASK_RETRY_DELAYS = [0]
    logging.config.dictConfig(logging_settings(log_format="json", level="INFO"))
    server = SMTPServer(refuse=10)
    try:
        use_smtp(settings, server.port)
        send_mail("Chào", "Nội dung", None, ["lan@example.org"])
        run_tasks()
    finally:
        server.close()
        logging.config.dictConfig(settings.LOGGING)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line[:1] == "{"]
    failed = [line["level"] for line in lines if "state=FAILED" in line["event"]]
    assert failed == ["warning", "error"]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_writes_at_once_and_stops():
    heartbeat = Heartbeat(every=3600)
    heartbeat.start()
    try:
        wait_for(TaskWorkerHeartbeat.objects.exists, "the first heartbeat")
    finally:
        heartbeat.stop()
    assert not heartbeat.is_alive()


def database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_command_keeps_readyz_ready_and_stops_on_sigterm(smtp_server):
    from django.test import Client

    assert Client().get("/readyz").status_code == 503  # no worker yet
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(TaskWorkerHeartbeat.objects.exists, "the worker's heartbeat")
        assert Client().get("/readyz").status_code == 200
        send_mail("Chào", SECRET, None, ["hoa@example.org"])
        assert smtp_server.inbox.received.wait(timeout=WAIT), "no mail arrived"
        wait_for(
            lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").exists(),
            "the task to be recorded",
        )
        wait_for(lambda: "482913" not in stored_text(), "the message to be dropped")
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=WAIT)
    assert worker.returncode == 0, output.decode()
