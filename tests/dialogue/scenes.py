"""Dialogues set up the same way by several test modules."""

from __future__ import annotations

from django.utils import timezone

from dialogue.models import Question
from events.models import Event, EventRole, LegalDocument
from tests.factories import (
    AgencyFactory,
    AnswerFactory,
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
)


def archived_dialogue() -> tuple[Event, Question]:
    """An ended dialogue of a department of a province, with one published written answer."""
    province = AgencyFactory(name="UBND tỉnh Hà Nam", slug="ha-nam")
    department = AgencyFactory(name="Sở Tư pháp Hà Nam", slug="stp-ha-nam", parent=province)
    event = EventFactory(
        agency=department,
        slug="dat-dai-2025",
        title="Đối thoại về đất đai",
        status=Event.Status.ENDED,
        legal_field=Event.LegalField.LAND,
    )
    LegalDocument.objects.create(event=event, title="Luật Đất đai", number="31/2024/QH15")
    official = UserFactory(display_name="Lê Cán Bộ")
    EventRole.objects.create(event=event, user=official, role="official", title="Phó Giám đốc")
    question = QuestionFactory(
        event=event,
        author=ParticipantFactory(event=event, nickname="Bác Ba"),
        text="Thủ tục tách thửa đất nông nghiệp như thế nào?",
        status=Question.Status.ANSWERED,
    )
    AnswerFactory(
        question=question,
        official=official,
        body="Theo Điều 220 Luật Đất đai, việc tách thửa <b>phải</b> bảo đảm diện tích tối thiểu.",
        published_at=timezone.now(),
    )
    return event, question


# --- Catalogue and search --------------------------------------------------------------------
