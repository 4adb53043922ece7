"""Telling the asker at each step of their question's life: one module, pluggable channels.

A step (received, published, not selected, sent to an official with its date due, given more
time, answered) is told once on each channel that can reach the asker: a `Notice` row is
written in the step's own transaction, beside the queued message, so the same step told again
(a retried transition, a task run twice, an answer published again) finds it and sends nothing.
Each channel queues on the task queue, whose worker retries: email through the mail queue
(events/mail.py), Web Push to each browser the asker subscribed from their private page
(dialogue/push.py), and a Zalo template message to the phone number they agreed to be told at
(dialogue/zalo.py). A channel is a small class with a `name`, an `address` for the asker (empty
when it cannot reach them) and `send`, which only queues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dialogue import push, zalo
from dialogue.models import Notice, PushSubscription, Question
from events.tasks import enqueue_on_commit

Step = Notice.Step


@dataclass(frozen=True)
class Message:
    """What the asker is told: a subject line, a body of plain text, and the page to open."""

    subject: str
    body: str
    url: str = ""


class Channel(Protocol):
    name: str

    def address(self, question: Question) -> str: ...

    def send(self, notice: Notice, address: str, message: Message) -> None: ...


def asker_address(question: Question) -> str:
    """Where the asker hears by email: their account's address, or the one they left; or ""."""
    author = question.author
    return (author.user.email if author.user is not None else author.email) or ""


class EmailChannel:
    """The asker's account's address, or the one they left when joining."""

    name = "email"

    def address(self, question: Question) -> str:
        return asker_address(question)

    def send(self, notice: Notice, address: str, message: Message) -> None:
        # Queued in the caller's transaction (events/mail.py): sent by the worker, retried there.
        send_mail(message.subject, message.body, None, [address])


class WebPushChannel:
    """Each browser the asker subscribed from their private page, when Web Push is set up."""

    name = "webpush"

    def address(self, question: Question) -> str:
        if not push.enabled():
            return ""
        subscribed = PushSubscription.objects.filter(participant_id=question.author_id).exists()
        return str(question.author_id) if subscribed else ""

    def send(self, notice: Notice, address: str, message: Message) -> None:
        from dialogue.tasks import send_web_push

        shown = push.payload(
            title=message.subject, body=_("Open it to see your question."), url=message.url
        )
        subscriptions = PushSubscription.objects.filter(participant_id=int(address))
        for subscription_id in subscriptions.values_list("pk", flat=True):
            enqueue_on_commit(send_web_push, subscription_id, shown)


class ZaloChannel:
    """The phone number the asker left and agreed to be told at, when Zalo is switched on.

    The task carries the question and the step, no number and no words: it reads the number
    when it runs, so an asker who erased their data in between is not sent anything.
    """

    name = "zalo"

    def address(self, question: Question) -> str:
        author = question.author
        if not zalo.enabled() or not author.zalo_opt_in or author.erased_at is not None:
            return ""
        return author.phone

    def send(self, notice: Notice, address: str, message: Message) -> None:
        from dialogue.tasks import send_zalo

        enqueue_on_commit(send_zalo, notice.question_id, notice.step)


CHANNELS: list[Channel] = [EmailChannel(), WebPushChannel(), ZaloChannel()]


def zalo_template_data(question: Question, step: str) -> dict[str, str]:
    """The Zalo template's parameters for a step: the code, the step's name and a date (the
    date due while one is owed, else the date of the step), in Vietnamese as the template is."""
    from dialogue.receipts import due_at

    due = due_at(question)
    if step == Step.ANSWERED and question.answered_at is not None:
        day = question.answered_at
    elif step in (Step.RECEIVED, Step.ROUTED, Step.EXTENDED) and due is not None:
        day = due
    else:
        day = timezone.now()
    with translation.override("vi"):
        status = str(Step(step).label)
    return {
        "ma_tra_cuu": question.grouped_tracking_code,
        "trang_thai": status[:30],
        "ngay": timezone.localtime(day).strftime("%d/%m/%Y"),
    }


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
        notice, created = Notice.objects.get_or_create(
            question=question, step=step, channel=channel.name
        )
        if not created:
            continue
        if built is None:
            built = message()
        channel.send(notice, address, built)
        told += 1
    return told
