"""A person's data: the export holds all of it; deleting the account leaves no trace of them."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from dialogue import messages, selectors
from dialogue.models import Participant, Question, Vote
from events import services
from events.models import Invitation, User
from live.errors import InvalidMessage, NotAllowed
from tests.factories import (
    ParticipantFactory,
    QuestionFactory,
    VoteFactory,
    verify_email,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_citizen(citizen, event):  # type: ignore[no-untyped-def]
    """A citizen who joined, asked one question under their name and voted for another."""
    verify_email(citizen)
    me = ParticipantFactory(event=event, user=citizen, nickname="")
    QuestionFactory(event=event, author=me, text="Thủ tục tách thửa đất thế nào?", vote_count=1)
    other = QuestionFactory(event=event, text="Phí công chứng bao nhiêu?", vote_count=0)
    VoteFactory(participant=me, question=other)
    Question.objects.filter(pk=other.pk).update(vote_count=1)
    return citizen


def test_the_export_holds_the_account_participations_questions_and_votes(
    client, active_citizen, event
):
    client.force_login(active_citizen)
    response = client.get(reverse("events:export_data"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == active_citizen.email
    assert data["account"]["display_name"] == "Nguyễn Thị Hoa"
    assert data["account"]["email_addresses"][0]["verified"] is True
    assert [p["dialogue"] for p in data["participations"]] == [event.title]
    assert [q["text"] for q in data["questions"]] == ["Thủ tục tách thửa đất thế nào?"]
    assert [v["question"] for v in data["votes"]] == ["Phí công chứng bao nhiêu?"]


def test_the_export_needs_a_signed_in_person(client):
    assert client.get(reverse("events:export_data")).status_code == 302


def test_deleting_the_account_anonymises_questions_and_keeps_votes(client, active_citizen, event):
    question = Question.objects.get(author__user=active_citizen)
    Invitation.objects.create(
        agency=event.agency,
        email=active_citizen.email,
        role="organiser",
        token_hash="x" * 64,
        expires_at=question.created_at,
    )
    client.force_login(active_citizen)

    response = client.post(
        reverse("events:delete_account"), {"confirmation": active_citizen.email.upper()}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=active_citizen.pk).exists()
    assert not EmailAddress.objects.filter(email=active_citizen.email).exists()
    assert not Invitation.objects.exists()
    question.refresh_from_db()
    assert question.is_anonymous
    author = Participant.objects.get(pk=question.author_id)
    assert author.user_id is None
    assert author.nickname == ""
    assert Vote.objects.count() == 1
    assert Question.objects.get(text="Phí công chứng bao nhiêu?").vote_count == 1
    # Nothing of the person in what the public receives.
    public = json.dumps(
        [messages.public_question(q) for q in selectors.visible_questions(event=event)],
        ensure_ascii=False,
    )
    assert "Nguyễn Thị Hoa" not in public
    assert active_citizen.email not in public
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Nguyễn Thị Hoa" not in page
    # The session is over.
    assert client.get(reverse("events:account")).status_code == 302


def test_a_wrong_confirmation_deletes_nothing(client, active_citizen):
    client.force_login(active_citizen)
    response = client.post(reverse("events:delete_account"), {"confirmation": "nham@example.org"})
    assert response.status_code == 400
    assert "Hãy nhập đúng địa chỉ email" in response.content.decode()
    assert User.objects.filter(pk=active_citizen.pk).exists()
    assert not Question.objects.filter(is_anonymous=True).exists()


def test_site_admins_are_deleted_by_another_admin(admin_user):
    with pytest.raises(NotAllowed):
        services.delete_account(user=admin_user, confirmation=admin_user.email)
    with pytest.raises(InvalidMessage):
        services.delete_account(user=admin_user, confirmation="")
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_the_privacy_page_is_linked_from_every_page_in_both_languages(client, event):
    catalogue = client.get("/").content.decode()
    assert reverse("events:privacy") in catalogue
    vietnamese = client.get(reverse("events:privacy")).content.decode()
    assert "Nghị định số 13/2023/NĐ-CP" in vietnamese
    assert "Quyền xóa dữ liệu" in vietnamese
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("events:privacy")).content.decode()
    assert "Decree 13/2023/NĐ-CP" in english
    assert "To withdraw consent" in english
