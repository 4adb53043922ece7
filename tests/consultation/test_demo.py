"""The demo seed: a draft in the live dialogue with screened, supported and answered comments."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from consultation.models import Comment, Draft, Reply
from moderation.models import ModerationLog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_has_a_draft_with_comments_in_every_state_and_reset_recreates_it(client):
    call_command("seed_demo", stdout=StringIO())

    draft = Draft.objects.get()
    assert draft.status == Draft.Status.OPEN
    assert draft.event.slug == "doi-thoai-luat-dat-dai-2024"
    statuses = sorted(Comment.objects.values_list("status", flat=True))
    assert statuses == ["approved"] * 5 + ["pending", "rejected"]
    assert Reply.objects.count() == 3
    assert Comment.objects.filter(support_count__gt=0).exists()
    # Screening and answering, each logged: 6 for the comments, 3 for the proposal and reply.
    assert ModerationLog.objects.filter(comment__isnull=False).count() == 9
    proposal = Comment.objects.exclude(quote="").get()
    assert (proposal.reply.disposition, proposal.version.number) == ("partly", 2)
    assert Comment.objects.filter(parent__isnull=False).count() == 1
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(proposal.version.get_absolute_url()).status_code == 200
    assert (
        client.get(draft.event.get_absolute_url()).content.decode().count(draft.get_absolute_url())
        == 1
    )

    call_command("seed_demo", "--reset", stdout=StringIO())
    assert Draft.objects.count() == 1
    assert Comment.objects.count() == 7
