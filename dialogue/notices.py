"""Telling the asker at each step of their question's life: one module, pluggable channels.

A step (received, published, not selected, sent to an official with its date due, given more
time, answered) is told once on each channel that can reach the asker: a `Notice` row is
written in the step's own transaction, beside the queued message, so the same step told again
(a retried transition, a task run twice, an answer published again) finds it and sends nothing.
Each channel queues on the task queue, whose worker retries: email through the mail queue
(events/mail.py). A channel is a small class with a `name`, an `address` for the asker (empty
when it cannot reach them) and `send`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.core.mail import send_mail

from dialogue.models import Notice, Question

Step = Notice.Step


@dataclass(frozen=True)
class Message:
    """What the asker is told: a subject line and a body of plain text."""

    subject: str
    body: str


class Channel(Protocol):
    name: str

    def address(self, question: Question) -> str: ...

    def send(self, address: str, message: Message) -> None: ...


def asker_address(question: Question) -> str:
    """Where the asker hears by email: their account's address, or the one they left; or ""."""
    author = question.author
    return (author.user.email if author.user is not None else author.email) or ""


class EmailChannel:
    """The asker's account's address, or the one they left when joining."""

    name = "email"

    def address(self, question: Question) -> str:
        return asker_address(question)

    def send(self, address: str, message: Message) -> None:
        # Queued in the caller's transaction (events/mail.py): sent by the worker, retried there.
        send_mail(message.subject, message.body, None, [address])


CHANNELS: list[Channel] = [EmailChannel()]


def tell_asker(question: Question, step: str, message: Callable[[], Message]) -> int:
    """Tell the asker this step on every channel that reaches them, once each; how many told.

    `message` is built only when a channel will send it, in the language of the request that
    made the step (the asker's own, when they asked).
    """
    told = 0
    built: Message | None = None
    for channel in CHANNELS:
        address = channel.address(question)
        if not address:
            continue
        _notice, created = Notice.objects.get_or_create(
            question=question, step=step, channel=channel.name
        )
        if not created:
            continue
        if built is None:
            built = message()
        channel.send(address, built)
        told += 1
    return told
