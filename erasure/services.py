"""Erasure: a person's data leaves every store, and no count of the record changes.

One path for the asker who erases from their private link and for the retention timer
(`retention.py`). Each store is named here, in the order it is scrubbed:

- their questions become tombstones, and their words leave the delta log, every hub's memory,
  the audit log and every open page and console (`moderation.record.erase_words`);
- their comments on drafts become tombstones (`consultation.services.erase_comments`);
- their ratings stay as scores, without the words of a comment;
- their short-text poll answers stay as answers counted, without their words (the word cloud
  loses them);
- the nickname, the email and the phone number leave the participant row and the audit log;
  a question's tracking code stays on its tombstone: it names no one, and a look-up by it then
  says that the question is gone (dialogue/receipts.py);
- email not yet sent to them, and the copies of sent ones the task queue keeps, are deleted;
- exports already made of their dialogue are deleted (a new one is made on request);
- their browser's link to the participant leaves the session, and their open pages reconnect.

Logs never held their words: text a person types is never in a URL (docs/security.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from consultation.services import erase_comments
from dialogue.models import AnswerRating, Participant, PollAnswer, PushSubscription, Question
from dialogue.selectors import SESSION_KEY
from live.broadcast import control_on_commit
from live.errors import NotAllowed
from live.groups import participant_group
from live.sockets import RECONNECT
from moderation import record
from reports.models import ExportJob


@dataclass(frozen=True)
class Erased:
    """What erasing a participant's data did."""

    questions: int  # tombstones: counted, wordless, nameless
    answered: int  # of which answered: their answers leave the archive with them
    comments: int


def erase_participant(*, participant: Participant, session: SessionBase | None) -> Erased:
    """A person who took part with a nickname erases their data (Decree 13/2023)."""
    if participant.user_id is not None:
        raise NotAllowed(
            _("Delete an account's data on its account page."), code="account_participant"
        )
    with transaction.atomic():
        questions = record.erase_words(participant=participant)
        comments = erase_comments(participant=participant)
        forget_identity(participant=participant)
        Participant.objects.filter(pk=participant.pk).update(erased_at=timezone.now())
        # The person's open pages reconnect as a visitor who has not joined.
        control_on_commit(participant_group(participant.pk), "close", code=RECONNECT)
    if session is not None:
        links = dict(session.get(SESSION_KEY, {}))
        links.pop(str(participant.event_id), None)
        session[SESSION_KEY] = links
    answered = sum(1 for question in questions if question.status == Question.Status.ANSWERED)
    return Erased(questions=len(questions), answered=answered, comments=comments)


def forget_identity(*, participant: Participant) -> None:
    """The name, the address and the phone number leave every store; the rows stay for the
    counts."""
    fresh = Participant.objects.select_for_update().get(pk=participant.pk)
    forget_mail_to(fresh.email)
    AnswerRating.objects.filter(participant=fresh).update(comment="")
    PollAnswer.objects.filter(participant=fresh).update(text="", phrase="")
    record.forget_name(participant=fresh)
    Participant.objects.filter(pk=fresh.pk).update(
        nickname="", email="", phone="", zalo_opt_in=False
    )
    PushSubscription.objects.filter(participant=fresh).delete()
    ExportJob.objects.filter(event_id=fresh.event_id).delete()


def forget_mail_to(address: str) -> int:
    """Delete the queued and the kept copies of email to this address; how many."""
    if not address:
        return 0
    needle = address.casefold()
    mail = DBTaskResult.objects.filter(task_path__endswith="deliver_email")
    doomed = [
        row.pk
        for row in mail.only("pk", "args_kwargs").iterator(chunk_size=500)
        if needle in json.dumps(row.args_kwargs, ensure_ascii=False).casefold()
    ]
    DBTaskResult.objects.filter(pk__in=doomed).delete()
    return len(doomed)
