"""Written answers due: the dialogue's and the agency's lists, and the reminder to the official."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from dialogue.models import Question
from events.models import Event, EventRole, User
from moderation.models import DueReminder
from moderation.services.reminders import remind_official
from tests.factories import (
    AgencyMembershipFactory,
    EventFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)
from tests.mailservers import SMTPServer, run_due_tasks, use_smtp

pytestmark = pytest.mark.django_db


def staff(client: Client, user: User) -> Client:
    enable_totp(user)
    client.force_login(user)
    return client


def due_in(event: Event, days: float, official: User | None = None, **fields) -> Question:  # type: ignore[no-untyped-def]
    return QuestionFactory(
        event=event,
        routed_to=official,
        answer_due_at=timezone.now() + timedelta(days=days),
        **fields,
    )


@pytest.fixture
def ended_event(live_event: Event) -> Event:
    Event.objects.filter(pk=live_event.pk).update(status=Event.Status.ENDED)
    live_event.refresh_from_db()
    return live_event


@pytest.fixture
def agency_organiser(live_event: Event) -> User:
    user = UserFactory(display_name="Trần Văn Tổ Chức")
    AgencyMembershipFactory(agency=live_event.agency, user=user)
    return user


def overdue_word() -> str:
    with translation.override("vi"):
        return gettext("Overdue")


def test_the_agency_list_shows_every_dialogue_s_due_answers_and_marks_the_overdue(
    client, ended_event, official, agency_organiser
):
    second = EventFactory(agency=ended_event.agency, title="Đối thoại thứ hai")
    elsewhere = EventFactory(title="Đối thoại của cơ quan khác")
    late = due_in(ended_event, -2, official, text="Câu hỏi đã quá hạn trả lời?")
    soon = due_in(second, 4, text="Câu hỏi còn hạn trả lời?")
    due_in(elsewhere, 1, text="Câu hỏi của cơ quan khác?")
    QuestionFactory(event=ended_event, text="Câu hỏi chưa có hạn?")

    response = staff(client, agency_organiser).get(
        reverse("moderation:agency_due", args=[ended_event.agency.slug])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "css/moderation.css" in page
    assert page.index("Câu hỏi đã quá hạn") < page.index("Câu hỏi còn hạn")  # soonest first
    assert "cơ quan khác" not in page
    assert "chưa có hạn" not in page
    assert "Đối thoại thứ hai" in page
    assert f'class="overdue" data-question="{late.pk}"' in page
    assert f'class="due" data-question="{soon.pk}"' in page
    assert page.count(overdue_word() + "</strong>") == 1
    answer_form = reverse("moderation:official", args=[ended_event.slug])
    assert f'href="{answer_form}#q{late.pk}"' in page


def test_the_agency_list_is_for_the_agency_s_organisers_only(
    client, ended_event, moderator, official, other_organiser
):
    url = reverse("moderation:agency_due", args=[ended_event.agency.slug])
    for person in (moderator, official, other_organiser):
        assert staff(Client(), person).get(url).status_code == 403
    assert client.get(url).status_code == 302  # to sign in


def test_the_organiser_s_pages_link_to_the_agency_list(client, ended_event, agency_organiser):
    page = (
        staff(client, agency_organiser)
        .get(reverse("events:manage:events", args=[ended_event.agency.slug]))
        .content.decode()
    )
    assert reverse("moderation:agency_due", args=[ended_event.agency.slug]) in page


def test_the_dialogue_s_list_loads_the_console_styles_and_links_rows_to_the_answer_form(
    client, ended_event, official
):
    late = due_in(ended_event, -1, official)
    page = staff(client, official).get(reverse("moderation:due", args=[ended_event.slug]))
    html = page.content.decode()
    assert "css/moderation.css" in html
    assert f'class="overdue" data-question="{late.pk}"' in html
    assert f"/e/{ended_event.slug}/answer/#q{late.pk}" in html


# --- The reminder ---------------------------------------------------------------------------


@pytest.fixture
def reminded_official(live_event: Event) -> User:
    user = UserFactory(display_name="Nguyễn Đức Long", email="long.nd@example.gov.vn")
    EventRole.objects.create(event=live_event, user=user, role=EventRole.Role.OFFICIAL)
    return user


def test_the_daily_job_reminds_each_official_once_through_a_real_mail_server(
    settings, ended_event, reminded_official
):
    settings.WRITTEN_ANSWER_REMINDER_DAYS = 3
    soon = due_in(ended_event, 2, reminded_official, text="Thủ tục tách thửa thế nào?")
    due_in(ended_event, 10, reminded_official)  # not yet
    due_in(ended_event, -1, reminded_official)  # already overdue: the list shows it
    due_in(ended_event, 1)  # routed to nobody
    due_in(ended_event, 1, reminded_official, status=Question.Status.ANSWERED)
    server = SMTPServer()
    try:
        use_smtp(settings, server.port)
        call_command("send_due_reminders")
        queued = DBTaskResult.objects.get()
        assert queued.task_path == "moderation.tasks.send_due_reminder"
        assert queued.args_kwargs["args"] == [soon.pk]
        assert run_due_tasks() == 2  # the reminder, then the email it queued

        [message] = server.inbox.messages
        assert message["To"] == "long.nd@example.gov.vn"
        assert ended_event.title in str(message["Subject"])
        body = message.get_content()
        assert "Thủ tục tách thửa thế nào?" in body
        assert f"/e/{ended_event.slug}/answer/#q{soon.pk}" in body
        reminder = DueReminder.objects.get()
        assert (reminder.question, reminder.official) == (soon, reminded_official)

        # The next day's run, and a task queued twice, send nothing more.
        call_command("send_due_reminders")
        assert run_due_tasks() == 0
        assert remind_official(question_id=soon.pk) is None
        assert run_due_tasks() == 0
        assert len(server.inbox.messages) == 1
    finally:
        server.close()


def test_a_reminder_queued_twice_before_the_worker_runs_is_sent_once(
    ended_event, reminded_official
):
    due_in(ended_event, 1, reminded_official)
    call_command("send_due_reminders")
    call_command("send_due_reminders")
    assert DBTaskResult.objects.count() == 2
    run_due_tasks()
    assert len(mail.outbox) == 1
    assert DueReminder.objects.count() == 1


def test_a_question_answered_before_its_reminder_runs_is_not_reminded(
    ended_event, reminded_official
):
    question = due_in(ended_event, 1, reminded_official)
    call_command("send_due_reminders")
    Question.objects.filter(pk=question.pk).update(
        status=Question.Status.ANSWERED,
        answered_at=timezone.now(),
        answered_how=Question.AnsweredHow.WRITTEN,
    )
    run_due_tasks()
    assert mail.outbox == []
    assert not DueReminder.objects.exists()
