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
from moderation.models import DueEscalation, DueReminder
from moderation.services.reminders import escalate_overdue, remind_official
from tests.factories import (
    AgencyFactory,
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
        queued = DBTaskResult.objects.get(task_path="moderation.tasks.send_due_reminder")
        assert queued.args_kwargs["args"] == [soon.pk]
        # The reminder, then the email it queued; and the overdue one's report, which this
        # agency has no organiser to send to.
        assert run_due_tasks() == 3

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


# --- The escalation ---------------------------------------------------------------------------


def test_an_overdue_answer_is_reported_to_the_agency_s_organisers_once(
    ended_event, reminded_official, agency_organiser
):
    late = due_in(ended_event, -1, reminded_official, text="Đất lấn chiếm có được cấp sổ?")
    due_in(ended_event, 5, reminded_official)  # not yet due: reminded later, not reported
    due_in(ended_event, -2, reminded_official, status=Question.Status.ANSWERED)
    other = AgencyMembershipFactory(agency=ended_event.agency).user  # a second organiser

    call_command("send_due_reminders")
    call_command("send_due_reminders")  # queued twice before the worker runs
    escalations = DBTaskResult.objects.filter(task_path="moderation.tasks.send_overdue_escalation")
    assert [row.args_kwargs["args"] for row in escalations] == [[late.pk], [late.pk]]
    run_due_tasks()

    told = sorted(m.to[0] for m in mail.outbox if "Đất lấn chiếm" in m.body)
    assert told == sorted([agency_organiser.email, other.email])
    body = next(m.body for m in mail.outbox if "Đất lấn chiếm" in m.body)
    assert reminded_official.public_name in body
    assert f"/manage/{ended_event.agency.slug}/answers-due/" in body
    escalation = DueEscalation.objects.get()
    assert (escalation.question, escalation.recipients) == (late, 2)
    # The next day's run reports nothing more; the organisers' list says when it was reported.
    call_command("send_due_reminders")
    assert not DBTaskResult.objects.filter(
        task_path="moderation.tasks.send_overdue_escalation", status="READY"
    ).exists()
    page = staff(Client(), agency_organiser).get(
        reverse("moderation:agency_due", args=[ended_event.agency.slug])
    )
    assert "Đã báo cáo người tổ chức" in page.content.decode()


def test_a_sub_agency_without_organisers_reports_to_the_agency_above(ended_event):
    province = AgencyFactory()
    province_organiser = AgencyMembershipFactory(agency=province).user
    ended_event.agency.parent = province
    ended_event.agency.save(update_fields=["parent"])
    ended_event.agency.memberships.all().delete()
    late = due_in(ended_event, -1)

    escalate_overdue(question_id=late.pk)
    run_due_tasks()

    assert [m.to for m in mail.outbox] == [[province_organiser.email]]


def test_an_answer_given_more_time_or_published_before_the_task_runs_is_not_reported(
    ended_event, reminded_official, agency_organiser
):
    extended = due_in(ended_event, -1, reminded_official)
    answered = due_in(ended_event, -1, reminded_official)
    call_command("send_due_reminders")
    Question.objects.filter(pk=extended.pk).update(
        answer_due_at=timezone.now() + timedelta(days=3), due_extended_at=timezone.now()
    )
    Question.objects.filter(pk=answered.pk).update(
        status=Question.Status.ANSWERED,
        answered_at=timezone.now(),
        answered_how=Question.AnsweredHow.WRITTEN,
    )
    run_due_tasks()
    assert mail.outbox == []
    assert not DueEscalation.objects.exists()
