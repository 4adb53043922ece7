"""A vote batch holds many sockets' votes: one that cannot be stored costs only its own reply."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from dialogue import commands, messages
from dialogue.models import Question, Vote
from tests.factories import EventFactory, ParticipantFactory, QuestionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_id_too_large_for_the_database_fails_only_its_own_vote():
    event = EventFactory()
    question = QuestionFactory(event=event, status=Question.Status.APPROVED)
    voters = [ParticipantFactory(event=event) for _ in range(3)]
    requests = [
        (
            commands.Connection(event.pk, AnonymousUser(), voter.pk, ip="198.51.100.7"),
            # Built past the schema, as a bug elsewhere might: 2**70 fits no integer column.
            messages.VoteCommand.model_construct(
                id=f"v{n}", type="vote", question=2**70 if n == 1 else question.pk
            ),
        )
        for n, voter in enumerate(voters)
    ]
    replies = commands.handle_votes(requests)
    assert [reply["type"] for reply in replies] == ["voted", "error", "voted"]
    assert replies[1]["code"] == "invalid_message"
    assert Vote.objects.filter(question=question).count() == 2
