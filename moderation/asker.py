"""What the asker is told as moderators and officials act (dialogue/notices.py sends it, once
per step and channel).

Every asker hears when their question is answered, live or in writing. An asker of a standing
legal Q&A, which answers in writing over days, is also told each step on the way: published or
not selected (with the reason), sent to an official (with the date due) and given more time
(with the reason). Each message is queued in the transaction of its step.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from dialogue.models import Question, grouped_tracking_code
from dialogue.notices import Message, Step, tell_asker
from dialogue.receipts import due_at
from dialogue.selectors import archive_is_public


def _lookup_url() -> str:
    return f"{settings.SITE_URL}{reverse('dialogue:lookup')}"


def email_asker(question: Question) -> None:
    """Tell the asker that their question has been answered, with a link to the answer."""

    def message() -> Message:
        # The archive, where the answer is kept; while the dialogue is live (answered there and
        # then) its archive is not open yet, so the dialogue's page, at the question.
        page = question.event.get_absolute_url()
        if archive_is_public(question.event):
            page = reverse("dialogue:archive", args=[question.event.slug])
        url = f"{settings.SITE_URL}{page}#q{question.pk}"
        return Message(
            subject=_("Your question has been answered: %(title)s")
            % {"title": question.event.title},
            body=render_to_string(
                "moderation/email/answered.txt", {"question": question, "url": url}
            ),
            url=url,
        )

    tell_asker(question, Step.ANSWERED, message)


def email_extension(question: Question) -> None:
    """Tell the asker that their written answer's date due was put later, and why."""

    def message() -> Message:
        context = {
            "question": question,
            "code": grouped_tracking_code(question.tracking_code),
            "url": _lookup_url(),
        }
        return Message(
            subject=_("More time to answer your question: %(title)s")
            % {"title": question.event.title},
            body=render_to_string("moderation/email/extended.txt", context),
            url=_lookup_url(),
        )

    tell_asker(question, Step.EXTENDED, message)


def tell_step(question: Question, step: str) -> None:
    """A standing legal Q&A's asker is told that their question was published, not selected
    (with the reason) or sent to an official (with the date due); a dialogue's is not."""
    if not question.event.is_standing:
        return
    subjects = {
        Step.PUBLISHED: _("Your question was published: %(code)s"),
        Step.NOT_SELECTED: _("Your question was not selected: %(code)s"),
        Step.ROUTED: _("Your question was sent to an official: %(code)s"),
    }
    code = grouped_tracking_code(question.tracking_code)

    def message() -> Message:
        context = {
            "question": question,
            "step": step,
            "code": code,
            "due": due_at(question),
            "url": _lookup_url(),
        }
        return Message(
            subject=subjects[Step(step)] % {"code": code},
            body=render_to_string("moderation/email/step.txt", context),
            url=_lookup_url(),
        )

    tell_asker(question, step, message)
