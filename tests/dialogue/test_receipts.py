"""A receipt for every question sent to a standing Q&A: a tracking code to read aloud and type,
the date received and the date due, shown and emailed; and the look-up by the code with the
asker's email or phone number, from any device."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_tasks_db.models import DBTaskResult

from dialogue import receipts
from dialogue import services as dialogue_services
from dialogue.models import (
    Answer,
    Participant,
    Question,
    grouped_tracking_code,
    new_tracking_code,
    normalise_tracking_code,
)
from dialogue.selectors import follow_token
from erasure.services import erase_participant
from events import services
from events.models import Event, EventRole, User
from events.workdays import add_working_days
from live.errors import InvalidMessage
from moderation import services as moderation_services
from moderation.models import ModerationLog
from tests.factories import AgencyFactory, AgencyMembershipFactory, UserFactory, join_form

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
LOOKUP = reverse("dialogue:lookup")
TEXT = "Hợp đồng thuê nhà không công chứng có giá trị không?"


@pytest.fixture
def standing() -> Event:
    agency = AgencyFactory(name="Sở Tư pháp tỉnh Bắc Ninh", slug="stp-bac-ninh")
    organiser = AgencyMembershipFactory(agency=agency).user
    return services.open_standing_qa(actor=organiser, agency=agency, answer_days=10)


def opened_before_december(event: Event) -> None:
    """The standing Q&A was opened long before the days a test travels to."""
    Event.objects.filter(pk=event.pk).update(starts_at=datetime(2026, 1, 5, tzinfo=HANOI))


def join(browser: Client, event: Event, *, email: str = "", phone: str = "") -> None:
    """Join with a nickname and the contact given."""
    joined = browser.post(
        reverse("dialogue:join", args=[event.slug]),
        {**join_form(event, "Chị Lan"), "email": email, "phone": phone},
    )
    assert joined.status_code == 302, joined.content.decode()


def ask(browser: Client, event: Event, *, email: str = "", phone: str = "") -> Question:
    """Join with a nickname (and the contact given), ask in the civil field; the question."""
    join(browser, event, email=email, phone=phone)
    return send(browser, event)


def send(browser: Client, event: Event) -> Question:
    """Ask in the civil field, as a participant already; the question."""
    sent = browser.post(
        reverse("dialogue:ask", args=[event.slug]),
        {"text": TEXT, "client_id": uuid.uuid4(), "legal_field": "civil"},
    )
    assert sent.status_code == 302
    assert sent.headers["Location"] == reverse("dialogue:receipt", args=[event.slug])
    return Question.objects.get(text=TEXT)


def look_up(code: str, contact: str, client: Client | None = None) -> tuple[int, str]:
    response = (client or Client()).post(LOOKUP, {"code": code, "contact": contact})
    assert response["Cache-Control"] == "private, no-store"
    return response.status_code, response.content.decode()


def everything() -> dict[str, int]:
    """How many rows each store a look-up could touch holds."""
    return {
        "questions": Question.objects.count(),
        "participants": Participant.objects.count(),
        "log": ModerationLog.objects.count(),
        "tasks": DBTaskResult.objects.count(),
    }


# --- The code -------------------------------------------------------------------------------


def test_a_tracking_code_is_eight_unambiguous_characters_shown_in_two_groups():
    codes = {new_tracking_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", code), code
        assert not set(code) & set("01OIL")
    assert grouped_tracking_code("K7QM4XPA") == "K7QM-4XPA"
    assert normalise_tracking_code(" k7qm-4xpa ") == "K7QM4XPA"
    assert normalise_tracking_code("K7QM 4XPA") == "K7QM4XPA"


def test_every_question_gets_its_own_code_when_it_is_stored(participant):
    first, second = (
        dialogue_services.ask_question(participant=participant, text=text, client_id=uuid.uuid4())
        for text in ("Câu hỏi thứ nhất về đất đai?", "Câu hỏi thứ hai về đất đai?")
    )
    assert len(first.tracking_code) == 8
    assert first.tracking_code != second.tracking_code
    # A retry of the same ask is the same question, with the same code.
    again = dialogue_services.ask_question(
        participant=participant, text="Câu hỏi thứ nhất về đất đai?", client_id=first.client_id
    )
    assert again.tracking_code == first.tracking_code


def test_a_code_already_taken_is_drawn_again(participant, monkeypatch):
    taken = dialogue_services.ask_question(
        participant=participant, text="Câu hỏi đã có mã?", client_id=uuid.uuid4()
    ).tracking_code
    # The first code drawn is the one taken, the second a free one.
    drawn = iter(taken + "ABCD2345")
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(drawn))
    question = dialogue_services.ask_question(
        participant=participant, text="Câu hỏi mới?", client_id=uuid.uuid4()
    )
    assert question.tracking_code == "ABCD2345"
    assert Question.objects.filter(tracking_code=taken).count() == 1


# --- The receipt ----------------------------------------------------------------------------


def test_the_asker_sees_the_receipt_with_the_code_the_date_received_and_the_date_due(
    standing, run_tasks
):
    opened_before_december(standing)
    browser = Client()
    join(browser, standing, email="lan@example.vn")
    # Asked on Friday 4 December 2026 at 10:00: ten working days later is 18 December.
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=HANOI), tick=False):
        question = send(browser, standing)
    response = browser.get(reverse("dialogue:receipt", args=[standing.slug]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    code = grouped_tracking_code(question.tracking_code)
    assert f'id="tracking-code">{code}<' in html
    assert 'datetime="2026-12-18T17:00:00+07:00"' in html
    assert 'datetime="2026-12-04T10:00:00+07:00"' in html
    assert TEXT in html
    assert reverse("dialogue:mine", args=[standing.slug, follow_token(question.author)]) in html

    # And it is sent to the email given, through the task queue.
    assert mail.outbox == []
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["lan@example.vn"]
    assert code in message.subject
    assert code in message.body
    due = datetime(2026, 12, 18, 17, 0, tzinfo=HANOI)
    with translation.override("vi"):
        assert date_format(timezone.localtime(due), "DATETIME_FORMAT") in message.body
    assert LOOKUP in message.body


def test_no_receipt_is_emailed_without_an_address_and_none_in_a_live_dialogue(
    standing, event, run_tasks
):
    ask(Client(), standing)
    browser = Client()
    browser.post(reverse("dialogue:join", args=[event.slug]), join_form(event, "Anh Tuấn"))
    Participant.objects.filter(event=event).update(email="tuan@example.vn")
    sent = browser.post(
        reverse("dialogue:ask", args=[event.slug]), {"text": TEXT, "client_id": uuid.uuid4()}
    )
    # A live dialogue's ask goes back to its page, as before.
    assert sent.headers["Location"] == event.get_absolute_url() + "#ask"
    run_tasks()
    assert mail.outbox == []


def test_the_receipt_is_only_the_asker_s_own(standing):
    ask(Client(), standing, email="lan@example.vn")
    other = Client()
    response = other.get(reverse("dialogue:receipt", args=[standing.slug]))
    assert response.status_code == 302
    assert response.headers["Location"] == standing.get_absolute_url() + "#ask"


def test_the_due_date_runs_from_receipt_however_late_the_question_is_routed(standing):
    opened_before_december(standing)
    browser = Client()
    join(browser, standing)
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=HANOI), tick=False):
        question = send(browser, standing)
    moderator, official = UserFactory(), UserFactory()
    EventRole.objects.create(event=standing, user=moderator, role=EventRole.Role.MODERATOR)
    EventRole.objects.create(event=standing, user=official, role=EventRole.Role.OFFICIAL)
    common = {"actor": moderator, "event": standing, "question_id": question.pk, "version": None}
    moderation_services.approve_question(**common)
    with time_machine.travel(datetime(2026, 12, 9, 15, 0, tzinfo=HANOI), tick=False):
        moderation_services.route_question(**common, official_id=official.pk)
    question.refresh_from_db()
    assert question.answer_due_at == datetime(2026, 12, 18, 17, 0, tzinfo=HANOI)
    assert question.answer_due_at == add_working_days(question.created_at, 10)


# --- The phone number -----------------------------------------------------------------------


def test_a_phone_number_is_kept_in_its_plain_form_and_a_wrong_one_is_refused(standing):
    for typed in ("0912 345 678", "+84 912.345.678", "84912345678"):
        assert receipts.normalise_phone(typed) == "0912345678", typed
    assert receipts.normalise_phone("12345") == ""
    with pytest.raises(InvalidMessage):
        receipts.clean_phone("abc")
    refused = Client().post(
        reverse("dialogue:join", args=[standing.slug]),
        {**join_form(standing, "Chị Lan"), "phone": "12"},
    )
    assert refused.status_code == 400
    assert "0912 345 678" in refused.content.decode()
    assert not Participant.objects.exists()


def test_a_live_dialogue_keeps_no_phone_number(event):
    browser = Client()
    browser.post(
        reverse("dialogue:join", args=[event.slug]),
        {**join_form(event, "Anh Tuấn"), "phone": "0912345678"},
    )
    assert Participant.objects.get().phone == ""


# --- The look-up ----------------------------------------------------------------------------


def test_the_code_and_the_email_or_phone_find_the_question_from_any_device(standing):
    question = ask(Client(), standing, email="Lan@Example.vn", phone="0912 345 678")
    code = grouped_tracking_code(question.tracking_code)
    for typed_code, contact in (
        (code, "lan@example.vn"),
        (code.lower().replace("-", " "), "+84912345678"),
        (question.tracking_code, "0912.345.678"),
    ):
        status, html = look_up(typed_code, contact)
        assert status == 200, (typed_code, contact)
        assert TEXT in html
        assert f'id="tracking-code">{code}<' in html
        assert "Đang chờ duyệt" in html  # its status
        assert 'id="due-at"' in html


def test_a_signed_in_asker_looks_up_with_the_account_s_email(standing, citizen: User):
    browser = Client()
    browser.force_login(citizen)
    browser.post(
        reverse("dialogue:ask", args=[standing.slug]),
        {"text": TEXT, "client_id": uuid.uuid4(), "legal_field": "civil"},
    )
    question = Question.objects.get()
    assert look_up(question.tracking_code, citizen.email)[0] == 200


def test_the_published_answer_is_shown_by_the_look_up(standing):
    question = ask(Client(), standing, email="lan@example.vn")
    Question.objects.filter(pk=question.pk).update(
        status=Question.Status.ANSWERED, answered_at=timezone.now(), answered_how="written"
    )
    answer = Answer.objects.create(
        question=question, kind=Answer.Kind.WRITTEN, body="Theo Điều 129 Bộ luật Dân sự."
    )
    status, html = look_up(question.tracking_code, "lan@example.vn")
    assert status == 200
    assert "Điều 129" not in html  # not yet published
    answer.published_at = timezone.now()
    answer.save(update_fields=["published_at"])
    status, html = look_up(question.tracking_code, "lan@example.vn")
    assert "Theo Điều 129 Bộ luật Dân sự." in html


def test_a_wrong_pair_gets_one_neutral_answer_and_changes_nothing(standing):
    question = ask(Client(), standing, email="lan@example.vn", phone="0912345678")
    ask_other = Client()
    other = ask_other.post(
        reverse("dialogue:join", args=[standing.slug]),
        {**join_form(standing, "Anh Tuấn"), "email": "tuan@example.vn"},
    )
    assert other.status_code == 302
    before = everything()
    answers = {
        neutral(*look_up(code, contact))
        for code, contact in (
            (question.tracking_code, "tuan@example.vn"),  # someone else's email
            (question.tracking_code, "0987654321"),  # another phone
            (question.tracking_code, "lan"),  # not a contact
            ("ZZZZZZZZ", "lan@example.vn"),  # no such code
            ("ABC", "lan@example.vn"),  # not a code
        )
    }
    assert len(answers) == 1
    ((status, message),) = answers
    assert status == 404
    assert "Không có câu hỏi nào khớp" in message
    assert everything() == before


def neutral(status: int, html: str) -> tuple[int, str]:
    """The status and the message of a look-up that found nothing; the question's words never."""
    assert TEXT not in html
    return status, html.split('id="lookup-error">')[1].split("</p>")[0]


def test_a_blank_form_is_a_clear_error(standing):
    response = Client().post(LOOKUP, {"code": "", "contact": ""})
    assert response.status_code == 400
    assert "field-error" in response.content.decode()


def test_look_ups_are_rate_limited_per_code(standing, settings):
    settings.DIALOGUE = {
        **settings.DIALOGUE,
        "RATE_LIMITS": {
            **settings.DIALOGUE["RATE_LIMITS"],
            "lookup": {"code": "3/hour", "ip": "100/hour"},
        },
    }
    question = ask(Client(), standing, email="lan@example.vn")
    for _ in range(3):
        assert look_up(question.tracking_code, "wrong@example.vn")[0] == 404
    # Even the right pair waits now: the code has been tried too often.
    status, html = look_up(question.tracking_code, "lan@example.vn")
    assert status == 429
    assert TEXT not in html


def test_an_erased_question_keeps_its_code_and_its_look_up_says_it_is_gone(standing):
    browser = Client()
    question = ask(browser, standing, email="lan@example.vn", phone="0912345678")
    code = question.tracking_code
    assert look_up(code, "lan@example.vn")[0] == 200
    erase_participant(participant=question.author, session=None)
    question.refresh_from_db()
    assert question.tracking_code == code
    assert question.is_erased
    assert Participant.objects.get(pk=question.author_id).phone == ""
    for contact in ("lan@example.vn", "0912345678", "anyone@example.vn"):
        status, html = look_up(code, contact)
        assert status == 410
        assert "người hỏi đã xóa dữ liệu" in html
        assert TEXT not in html
