"""What the database itself keeps true about comments and supports."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from consultation.models import Support
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_a_comment_without_an_author_is_refused_by_the_database(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentFactory(draft=draft, text="Vô danh")


def test_a_support_without_a_supporter_is_refused_by_the_database(draft, nickname):
    comment = CommentFactory(draft=draft, participant=nickname.participant, text="Ý")
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(comment=comment)


def test_an_account_supports_a_standing_drafts_comment_once(draft, nickname, citizen):
    comment = CommentFactory(draft=draft, participant=nickname.participant, text="Ý")
    Support.objects.create(comment=comment, user=citizen)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(comment=comment, user=citizen)


def test_one_support_per_participant(draft, nickname, signed_in):
    comment = CommentFactory(draft=draft, participant=nickname.participant, text="Ý")
    Support.objects.create(comment=comment, participant=signed_in.participant, user=signed_in.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(comment=comment, participant=signed_in.participant)
