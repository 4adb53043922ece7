"""The standing legal Q&A ("Hỏi đáp pháp luật"): always open, the same pipeline, written
answers due in Vietnamese working days, published to the archive as each is written."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from dialogue import selectors
from dialogue import services as dialogue_services
from dialogue.models import Notice, Question
from events import services
from events.models import Event, EventRole, User
from events.workdays import add_working_days, is_working_day
from live.errors import InvalidMessage, NotAllowed
from moderation import services as moderation_services
from tests.factories import ParticipantFactory, UserFactory, enable_totp, join_form

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


# --- Working days ---------------------------------------------------------------------------


def test_a_working_day_is_a_weekday_that_is_no_public_holiday():
    assert is_working_day(date(2026, 12, 4))  # a Friday
    assert not is_working_day(date(2026, 12, 5))  # Saturday
    assert not is_working_day(date(2026, 9, 2))  # National Day
    assert not is_working_day(date(2027, 2, 8))  # Tết, a Monday


def test_working_days_skip_the_weekend_and_tet():
    friday = datetime(2026, 12, 4, 15, 30, tzinfo=HANOI)
    assert add_working_days(friday, 1) == datetime(2026, 12, 7, 17, 0, tzinfo=HANOI)
    # Asked on Wednesday 3 February 2027: Tết runs from Thursday 4 to Wednesday 10.
    before_tet = datetime(2027, 2, 3, 9, 0, tzinfo=HANOI)
    assert add_working_days(before_tet, 2) == datetime(2027, 2, 12, 17, 0, tzinfo=HANOI)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(before_tet, -1)


# --- Opening it -----------------------------------------------------------------------------


def test_an_organiser_opens_one_standing_qa_and_may_change_its_time_limit(
    event, organiser, other_organiser
):
    agency = event.agency
    standing = services.open_standing_qa(actor=organiser, agency=agency, answer_days=10)
    assert standing.is_standing
    assert standing.status == Event.Status.LIVE
    assert standing.written_answer_days == 10
    again = services.open_standing_qa(actor=organiser, agency=agency, answer_days=7)
    assert again.pk == standing.pk
    assert Event.objects.filter(agency=agency, kind=Event.Kind.STANDING).count() == 1
    assert Event.objects.get(pk=standing.pk).written_answer_days == 7
    with pytest.raises(NotAllowed):
        services.open_standing_qa(actor=other_organiser, agency=agency, answer_days=10)
    with pytest.raises(InvalidMessage):
        services.open_standing_qa(actor=organiser, agency=agency, answer_days=0)


def test_it_is_not_a_live_dialogue_in_the_catalogue_but_the_agency_page_links_to_it(
    event, organiser
):
    standing = services.open_standing_qa(actor=organiser, agency=event.agency, answer_days=10)
    catalogue = Client().get(reverse("dialogue:catalogue")).content.decode()
    assert standing.title not in catalogue
    agency_page = Client().get(event.agency.get_absolute_url()).content.decode()
    assert standing.get_absolute_url() in agency_page


def test_the_organiser_page_opens_it_and_refuses_a_bad_number(client, event, organiser):
    enable_totp(organiser)
    client.force_login(organiser)
    url = reverse("events:manage:open_standing_qa", args=[event.agency.slug])
    client.post(url, {"answer_days": "abc"})
    assert not Event.objects.filter(kind=Event.Kind.STANDING).exists()
    response = client.post(url, {"answer_days": "12"}, follow=True)
    standing = Event.objects.get(kind=Event.Kind.STANDING)
    assert standing.written_answer_days == 12
    assert standing.get_absolute_url() in response.content.decode()


# --- The pipeline ---------------------------------------------------------------------------


@pytest.fixture
def standing(event: Event, organiser: User) -> Event:
    return services.open_standing_qa(actor=organiser, agency=event.agency, answer_days=10)


@pytest.fixture
def people(standing: Event) -> dict[str, User]:
    moderator, official = UserFactory(), UserFactory(display_name="Nguyễn Đức Long")
    EventRole.objects.create(event=standing, user=moderator, role=EventRole.Role.MODERATOR)
    EventRole.objects.create(event=standing, user=official, role=EventRole.Role.OFFICIAL)
    return {"moderator": moderator, "official": official}


def test_asking_needs_a_legal_field_which_becomes_the_topic(standing):
    browser = Client()
    browser.post(reverse("dialogue:join", args=[standing.slug]), join_form(standing, "Chị Lan"))
    url = reverse("dialogue:ask", args=[standing.slug])
    text = "Hợp đồng thuê nhà không công chứng có giá trị không?"
    refused = browser.post(url, {"text": text, "client_id": uuid.uuid4()})
    assert refused.status_code == 400
    assert not Question.objects.exists()
    bad = browser.post(url, {"text": text, "client_id": uuid.uuid4(), "legal_field": "nope"})
    assert bad.status_code == 400
    sent = browser.post(url, {"text": text, "client_id": uuid.uuid4(), "legal_field": "civil"})
    assert sent.status_code == 302
    assert Question.objects.get().topic == "Dân sự"


def test_a_question_routed_is_due_in_working_days_and_published_once_answered(
    standing, people, run_tasks, django_capture_on_commit_callbacks
):
    asker = ParticipantFactory(event=standing, nickname="Anh Tuấn", email="tuan@example.vn")
    Event.objects.filter(pk=standing.pk).update(starts_at=datetime(2026, 1, 5, tzinfo=HANOI))
    # Received on Friday 4 December 2026 at 10:00: ten working days later is 18 December,
    # counted from the receipt, whenever it is routed.
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=HANOI), tick=False):
        question = dialogue_services.ask_question(
            participant=asker,
            text="Hợp đồng đặt cọc mua đất viết tay có hiệu lực không?",
            client_id=uuid.uuid4(),
            legal_field="civil",
        )
    moderator, official = people["moderator"], people["official"]
    common = {"actor": moderator, "event": standing, "question_id": question.pk, "version": None}
    moderation_services.approve_question(**common)
    with time_machine.travel(datetime(2026, 12, 8, 10, 0, tzinfo=HANOI), tick=False):
        moderation_services.route_question(**common, official_id=official.pk)
    question.refresh_from_db()
    assert question.answer_due_at == datetime(2026, 12, 18, 17, 0, tzinfo=HANOI)
    assert list(selectors.public_answers().filter(pk=question.pk)) == []

    with django_capture_on_commit_callbacks(execute=True):
        moderation_services.write_answer(
            actor=official,
            event=standing,
            question_id=question.pk,
            body="Theo Điều 129 Bộ luật Dân sự 2015, hợp đồng liên quan đến đất phải công chứng.",
            publish=True,
        )
    # Public at once: a standing Q&A has no end to wait for.
    assert list(selectors.public_answers().filter(pk=question.pk)) == [question]
    archive = Client().get(reverse("dialogue:archive", args=[standing.slug]))
    assert archive.status_code == 200
    assert "Điều 129 Bộ luật Dân sự" in archive.content.decode()
    # Found from the catalogue's search without diacritics, and the asker is told.
    found = Client().get(reverse("dialogue:catalogue"), {"q": "dat coc viet tay"})
    assert "Hợp đồng đặt cọc mua đất viết tay" in found.content.decode()
    run_tasks()
    # Told at each step, once: received, published, sent to an official (with the date due),
    # answered.
    assert [message.to for message in mail.outbox] == [["tuan@example.vn"]] * 4
    code = question.grouped_tracking_code
    assert sum(code in message.subject for message in mail.outbox) == 3
    (routed,) = [m for m in mail.outbox if m.subject.startswith("Câu hỏi của bạn đã được chuyển")]
    assert "18/12/2026" in routed.body
    assert sum("Điều 129 Bộ luật Dân sự" in message.body for message in mail.outbox) == 1
    steps = Notice.objects.filter(question=question).order_by("pk").values_list("step", flat=True)
    assert list(steps) == ["received", "published", "routed", "answered"]
