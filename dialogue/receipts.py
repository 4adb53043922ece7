"""The asker's receipt: a question's tracking code, when it was received and when it is due, and
the look-up of a question by its code and the asker's email or phone number.

A standing Q&A gives a receipt as the national legal portal and the citizen-feedback system do:
a short code to read aloud and type ("mã tra cứu", `models.new_tracking_code`), the date received
and the due date under the agency's rule, which counts working days from the receipt
(`events/workdays.py`). With the code and the email or phone number they gave, anyone looks the
question up from any device (`views.lookup`); neither alone is enough, and a wrong pair learns
nothing (docs/legal-qa.md).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from dialogue.models import (
    TRACKING_CODE_LENGTH,
    Question,
    grouped_tracking_code,
    normalise_tracking_code,
)
from dialogue.notices import Message, Step, asker_address, tell_asker
from events.models import Event
from events.workdays import add_working_days
from live.errors import InvalidMessage

# A Vietnamese number as dialled at home: 0 and nine digits (mobiles), or ten (landlines).
PHONE_NUMBER = re.compile(r"0\d{9,10}")


def due_from_receipt(question: Question, event: Event) -> datetime:
    """When a standing Q&A's question is due in writing: the agency's number of working days
    after the day it was received (the day of receipt does not count)."""
    return add_working_days(question.created_at, event.written_answer_days)


def due_at(question: Question) -> datetime | None:
    """The due date the asker is told: the one stored when it was routed, else, while a standing
    Q&A's question waits to be routed, the one its receipt promised; None when nothing is owed."""
    if question.answer_due_at is not None or question.closed_at is not None:
        return question.answer_due_at
    if question.event.is_standing and question.status in (
        Question.Status.PENDING,
        Question.Status.APPROVED,
    ):
        return due_from_receipt(question, question.event)
    return None


@dataclass(frozen=True)
class Receipt:
    """What the asker is shown and sent when their question is received."""

    question: Question
    code: str  # grouped: "K7QM-4XPA"
    received_at: datetime
    due_at: datetime | None
    lookup_url: str  # the page to look it up, absolute


def receipt_for(question: Question) -> Receipt:
    """The receipt of a question (its event loaded)."""
    return Receipt(
        question=question,
        code=grouped_tracking_code(question.tracking_code),
        received_at=question.created_at,
        due_at=due_at(question),
        lookup_url=f"{settings.SITE_URL}{reverse('dialogue:lookup')}",
    )


def email_receipt(question: Question) -> None:
    """Queue the receipt to the asker's email, if they gave one (events/mail.py: the task queue).

    Called inside the ask's transaction: the message's task is written with the question, and
    neither exists without the other.
    """

    def message() -> Message:
        receipt = receipt_for(question)
        return Message(
            subject=_("Your question was received: %(code)s") % {"code": receipt.code},
            body=render_to_string("dialogue/email/receipt.txt", {"receipt": receipt}),
            url=receipt.lookup_url,
        )

    tell_asker(question, Step.RECEIVED, message)


def normalise_phone(text: str) -> str:
    """A phone number as typed ("+84 912 345 678", "0912.345.678") in its stored form
    ("0912345678"); "" if it is not a Vietnamese number."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if PHONE_NUMBER.fullmatch(digits) else ""


def clean_phone(text: str) -> str:
    """The phone number an asker leaves, stored form; "" when left empty; refused if not one."""
    if not text.strip():
        return ""
    phone = normalise_phone(text)
    if not phone:
        raise InvalidMessage(
            _("Enter a Vietnamese phone number, e.g. 0912 345 678."), code="invalid_phone"
        )
    return phone


def _same(given: str, kept: str) -> bool:
    return bool(kept) and hmac.compare_digest(given.encode(), kept.encode())


def contact_matches(question: Question, contact: str) -> bool:
    """Whether `contact` is the email address or the phone number the asker gave."""
    contact = contact.strip()
    if "@" in contact:
        return _same(contact.casefold(), asker_address(question).casefold())
    phone = normalise_phone(contact)
    return bool(phone) and _same(phone, question.author.phone)


@dataclass(frozen=True)
class Found:
    """What a look-up found: the question, or that it was erased (then nothing else)."""

    question: Question | None
    erased: bool = False


def look_up(*, code: str, contact: str) -> Found | None:
    """The question with this tracking code whose asker gave this email or phone number.

    None, whatever was wrong (no such code, or another contact): the page says one neutral thing.
    An erased question has no contact left to match; its code alone says that it is gone, which
    tells nothing about anyone.
    """
    code = normalise_tracking_code(code)
    if len(code) != TRACKING_CODE_LENGTH:
        return None
    question = (
        Question.objects.select_related("event__agency", "author__user", "answer")
        .filter(tracking_code=code)
        .first()
    )
    if question is None:
        return None
    if question.is_erased:
        return Found(question=None, erased=True)
    if not contact_matches(question, contact):
        return None
    return Found(question=question)
