"""Mail servers for tests: one that never answers, and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail


class StalledSMTPServer:
    """Accepts connections and never says a word, as a wedged mail server does."""

    def __init__(self) -> None:
        # The kernel picks a free ephemeral port: nothing else can be listening there.
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


class Inbox:
    """An aiosmtpd handler that keeps every message it is given; the first `refuse` are refused."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.messages: list[Message] = []
        self.received = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.received.set()
        return "250 OK"


class SMTPServer:
    """A real SMTP server on loopback, in a thread of its own."""

    def __init__(self, refuse: int = 0) -> None:
        self.inbox = Inbox(refuse)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def stalled_smtp() -> Iterator[StalledSMTPServer]:
    server = StalledSMTPServer()
    yield server
    server.close()


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    yield server
    server.close()


def use_smtp(settings: Any, port: int) -> None:
    """Send the mail that leaves the project through SMTP on 127.0.0.1:`port`."""
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def run_due_tasks() -> int:
    """Run every task that is due, in this process, as the worker runs each; returns how many."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    count = 0
    # The worker's own loop closes the connection between tasks, which would end a test's
    # transaction; its `run_task` is the part that runs, records and signals each task.
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        count += 1
    return count


def delivered_mail() -> list[Any]:
    """The messages sent so far, once the queued ones are delivered (to `mail.outbox`)."""
    run_due_tasks()
    return list(mail.outbox)
