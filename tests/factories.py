"""Test data: one factory per model, with believable Vietnamese defaults."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.utils import timezone

from consultation.models import Comment
from dialogue.models import Answer, Participant, Poll, PollOption, Question, Vote
from events.models import Agency, AgencyMembership, Event, EventRole, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"nguoi{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Người dùng {n}")
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-an-toan")

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Sở Tư pháp tỉnh số {n}")
    slug = factory.Sequence(lambda n: f"so-tu-phap-{n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    agency = factory.SubFactory(AgencyFactory)
    slug = factory.Sequence(lambda n: f"doi-thoai-{n}")
    title = factory.Sequence(lambda n: f"Đối thoại pháp luật số {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=30))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=2))
    status = Event.Status.LIVE
    moderation_mode = Event.Moderation.POST


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    event = factory.SubFactory(EventFactory)
    nickname = factory.Sequence(lambda n: f"Công dân {n}")
    # Took part while the dialogue was open; a late joiner is made by joining (join_event).
    joined_while_open = True


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    author = factory.SubFactory(ParticipantFactory)
    event = factory.SelfAttribute("author.event")
    text = factory.Sequence(
        lambda n: f"Câu hỏi số {n} về thủ tục cấp giấy chứng nhận quyền sử dụng đất?"
    )
    status = Question.Status.APPROVED
    client_id = factory.LazyFunction(uuid.uuid4)
    # "Answered" is one fact (a database constraint): an answered question has when and how.
    answered_at = factory.LazyAttribute(
        lambda q: timezone.now() if q.status == Question.Status.ANSWERED else None
    )
    answered_how = factory.LazyAttribute(
        lambda q: Question.AnsweredHow.LIVE if q.status == Question.Status.ANSWERED else ""
    )


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    question = factory.SubFactory(QuestionFactory)
    participant = factory.SubFactory(
        ParticipantFactory, event=factory.SelfAttribute("..question.event")
    )


class AgencyMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyMembership

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    role = AgencyMembership.Role.ORGANISER


class EventRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventRole

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    role = EventRole.Role.MODERATOR


class AnswerFactory(factory.django.DjangoModelFactory):
    """A published written answer; `published_at=None` for a draft."""

    class Meta:
        model = Answer

    question = factory.SubFactory(QuestionFactory)
    kind = Answer.Kind.WRITTEN
    body = "Theo Điều 220 Luật Đất đai, việc tách thửa phải bảo đảm diện tích tối thiểu."
    published_at = factory.LazyFunction(timezone.now)


class PollFactory(factory.django.DjangoModelFactory):
    """An open poll with its options: `options=(...)` names them; a rating gets its five scores
    and a word cloud none, whatever is named."""

    class Meta:
        model = Poll
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    question = "Anh/chị thấy thế nào?"
    kind = Poll.Kind.SINGLE
    status = Poll.Status.OPEN

    @factory.post_generation
    def options(self, create: bool, extracted: tuple[str, ...] | None, **kwargs: object) -> None:
        labels = extracted if extracted is not None else ("Có", "Không")
        if self.kind == Poll.Kind.RATING:
            labels = ("1", "2", "3", "4", "5")
        if self.kind == Poll.Kind.TEXT:
            labels = ()
        if create:
            PollOption.objects.bulk_create(
                PollOption(poll=self, label=label, position=position)
                for position, label in enumerate(labels)
            )


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment on a draft's first article; name the `draft`, and who wrote it."""

    class Meta:
        model = Comment

    article = factory.LazyAttribute(lambda comment: comment.draft.articles.first())
    text = factory.Sequence(lambda n: f"Góp ý số {n}: đề nghị làm rõ thời hạn giải quyết.")


def verify_email(user: User) -> EmailAddress:
    """Mark the account's address as verified and primary, as after allauth's confirmation."""
    address, _created = EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return address


def enable_totp(user: User) -> str:
    """Turn on an authenticator app for the account; returns its secret (base32)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, *, periods_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or that many 30-second periods later)."""
    counter = int(time.time()) // 30 + periods_ahead
    return format_hotp_value(hotp_value(secret, counter))


def join_form(event: Event, nickname: str) -> dict[str, str]:
    """What the event page's join form posts: the nickname, the consent and the signed token."""
    from dialogue.forms import join_token

    return {"nickname": nickname, "consent": "on", "join_token": join_token(event.pk)}
