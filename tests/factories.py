"""Test data: one factory per model, with believable Vietnamese defaults."""

from __future__ import annotations

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from dialogue.models import Participant, Question, Vote
from events.models import Agency, Event, User


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


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    question = factory.SubFactory(QuestionFactory)
    participant = factory.SubFactory(
        ParticipantFactory, event=factory.SelfAttribute("..question.event")
    )
