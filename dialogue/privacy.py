"""A person's dialogue data: what their data export holds, and what deleting the account leaves.

Connected to the signals of events/signals.py in DialogueConfig.ready(), because the events app,
which owns accounts, cannot import this one.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dialogue.models import Participant, PushSubscription, Question, Vote
from events.models import User
from events.signals import account_deleting, personal_data_requested


@receiver(personal_data_requested, dispatch_uid="dialogue.personal_data")
def dialogue_data(sender: object, *, user: User, **kwargs: Any) -> dict[str, Any]:
    """The person's participations, questions and votes, for their data export."""
    participations = Participant.objects.filter(user=user).select_related("event")
    questions = Question.objects.filter(author__user=user).select_related("event")
    votes = Vote.objects.filter(participant__user=user).select_related("question__event")
    return {
        "participations": [
            {
                "dialogue": participant.event.title,
                "address": participant.event.get_absolute_url(),
                "nickname": participant.nickname,
                "joined_at": participant.created_at.isoformat(),
            }
            for participant in participations
        ],
        "questions": [
            {
                "dialogue": question.event.title,
                "text": question.text,
                "status": question.status,
                "asked_anonymously": question.is_anonymous,
                "asked_at": question.created_at.isoformat(),
                "votes": question.vote_count,
            }
            for question in questions
        ],
        "votes": [
            {
                "dialogue": vote.question.event.title,
                "question": vote.question.text,
                "voted_at": vote.created_at.isoformat(),
            }
            for vote in votes
        ],
    }


@receiver(account_deleting, dispatch_uid="dialogue.anonymise")
def anonymise_participations(sender: object, *, user: User, **kwargs: Any) -> None:
    """Keep the questions and votes, but under no name and with no link to the person; the
    browsers they asked to be notified on are forgotten."""
    Question.objects.filter(author__user=user).update(is_anonymous=True)
    PushSubscription.objects.filter(participant__user=user).delete()
    Participant.objects.filter(user=user).update(user=None, nickname="")
