"""Every change a citizen can see is in the audit log, with who made it and before and after."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from dialogue.models import Participant, Question
from events import services as event_services
from events.models import Event, EventRole, LegalDocument
from moderation import lifecycle, services
from moderation.models import ModerationLog
from tests.factories import (
    AgencyMembershipFactory,
    ParticipantFactory,
    QuestionFactory,
    enable_totp,
)

pytestmark = pytest.mark.django_db


class FormValues(HTMLParser):
    """The values a browser would send for the admin's change form (`<form id="…_form">`)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, Any] = {}
        self.depth = 0  # 0: before the form, 1: inside, 2: after
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("id") or "").endswith("_form") and self.depth == 0:
            self.depth = 1
        if self.depth != 1:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.values[name] = attributes.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = attributes.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attributes:
            self.values[self.select] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.depth == 1:
            self.depth = 2
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.values[self.textarea] += data.removeprefix("\n")


def change_in_admin(client, url: str, **changes: Any):  # type: ignore[no-untyped-def]
    """Open an admin change form, change some fields, save it as a person would."""
    page = client.get(url)
    assert page.status_code == 200
    form = FormValues()
    form.feed(page.content.decode())
    response = client.post(url, {**form.values, **changes})
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


@pytest.fixture
def admin_client_with_2fa(client, admin_user):  # type: ignore[no-untyped-def]
    enable_totp(admin_user)
    client.force_login(admin_user)
    return client


def last_entry() -> ModerationLog:
    return ModerationLog.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_the_live_note_is_audited(live_event, official):
    question = QuestionFactory(event=live_event, routed_to=official)
    services.start_answering(actor=official, event=live_event, question_id=question.pk)
    services.save_live_note(
        actor=official, event=live_event, question_id=question.pk, note="Điều 137"
    )
    services.save_live_note(
        actor=official, event=live_event, question_id=question.pk, note="Điều 138, khoản 2"
    )
    entry = last_entry()
    assert (entry.action, entry.actor, entry.question) == ("note", official, question)
    assert entry.before["live_note"] == "Điều 137"
    assert entry.after["live_note"] == "Điều 138, khoản 2"


def test_the_log_page_shows_what_the_note_was_and_became(client, live_event, official):
    organiser = AgencyMembershipFactory(agency=live_event.agency).user
    enable_totp(organiser)
    question = QuestionFactory(event=live_event, routed_to=official)
    for note in ("Điều 137", "Điều 138, khoản 2"):
        services.save_live_note(
            actor=official, event=live_event, question_id=question.pk, note=note
        )
    client.force_login(organiser)
    page = client.get(f"/e/{live_event.slug}/moderate/log/").content.decode()
    name = in_vietnamese("Live note")
    assert f"{name}: <q>Điều 137</q>" in page
    assert f"{name}: <q>Điều 138, khoản 2</q>" in page
    assert "live_note" not in page


def in_vietnamese(text: str) -> str:
    with translation.override("vi"):
        return gettext(text)


def test_the_log_page_names_statuses_and_modes_in_words_never_raw_values(
    client, live_event, moderator
):
    organiser = AgencyMembershipFactory(agency=live_event.agency).user
    enable_totp(organiser)
    question = QuestionFactory(event=live_event, status="pending", text="Câu hỏi cần duyệt?")
    services.reject_question(
        actor=moderator,
        event=live_event,
        question_id=question.pk,
        version=None,
        reason="off_topic",
    )
    services.set_modes(actor=moderator, event=live_event, moderation="post", intake_open=False)
    lifecycle.change_status(actor=organiser, event=live_event, status="ended")
    client.force_login(organiser)
    page = client.get(f"/e/{live_event.slug}/moderate/log/").content.decode()
    with translation.override("vi"):
        words = [
            str(Question.Status.PENDING.label),
            str(Question.Status.REJECTED.label),
            str(Question.RejectionReason.OFF_TOPIC.label),
            str(Event.Moderation.PRE.label),
            str(Event.Moderation.POST.label),
            str(Event.Status.LIVE.label),
            str(Event.Status.ENDED.label),
            gettext("closed"),
        ]
    for word in words:
        assert f": {word}</span>" in page, word
    assert "Câu hỏi cần duyệt?" in page
    for raw in ("{", ">pending<", "off_topic", "intake_closed", "'moderation'", ": post<"):
        assert raw not in page, raw


def test_a_question_changed_in_the_admin_goes_through_its_record(
    admin_client_with_2fa, admin_user, event
):
    question = QuestionFactory(event=event, text="Câu hỏi gốc?", status="approved")
    change_in_admin(
        admin_client_with_2fa,
        f"/admin/dialogue/question/{question.pk}/change/",
        text="Câu hỏi đã sửa?",
        status="rejected",  # read only here: a status changes through the actions
    )
    question.refresh_from_db()
    assert (question.text, question.status) == ("Câu hỏi đã sửa?", "approved")
    entry = last_entry()
    assert (entry.action, entry.actor, entry.question, entry.event) == (
        "edit",
        admin_user,
        question,
        event,
    )
    assert question.original_text == "Câu hỏi gốc?"
    assert question.version == 2
    assert (entry.before["text"], entry.before["status"]) == ("Câu hỏi gốc?", "approved")
    assert (entry.after["text"], entry.after["status"]) == ("Câu hỏi đã sửa?", "approved")


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [("approve", "pending", "approved"), ("reject", "approved", "rejected")],
)
def test_the_admin_actions_on_questions_are_audited(
    admin_client_with_2fa, admin_user, event, action, start, end
):
    question = QuestionFactory(event=event, status=start)
    response = admin_client_with_2fa.post(
        "/admin/dialogue/question/", {"action": action, "_selected_action": [question.pk]}
    )
    assert response.status_code == 302
    # The moderation service itself: its own action in the log, the staff member as the actor,
    # and the public told (a numbered delta).
    entry = last_entry()
    assert (entry.action, entry.actor, entry.question) == (action, admin_user, question)
    assert (entry.before["status"], entry.after["status"]) == (start, end)
    event.refresh_from_db()
    assert event.public_seq == 1


def test_a_question_cannot_be_deleted_in_the_admin(admin_client_with_2fa, event):
    # Its asker erases it (erasure/); a deletion would change the record's counts.
    question = QuestionFactory(event=event, text="Sẽ bị xoá?")
    response = admin_client_with_2fa.post(
        f"/admin/dialogue/question/{question.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()


def test_a_dialogue_changed_in_the_admin_is_audited(admin_client_with_2fa, admin_user, event):
    LegalDocument.objects.create(event=event, title="Luật Đất đai", number="31/2024/QH15")
    before_title = event.title
    change_in_admin(
        admin_client_with_2fa,
        f"/admin/events/event/{event.pk}/change/",
        title="Tiêu đề mới",
        status="ended",
        **{"legal_documents-0-title": "Luật Đất đai 2024"},
    )
    event.refresh_from_db()
    assert (event.title, event.status) == ("Tiêu đề mới", "ended")
    entry = last_entry()
    assert (entry.action, entry.actor, entry.event, entry.question) == (
        "admin",
        admin_user,
        event,
        None,
    )
    assert (entry.before["title"], entry.after["title"]) == (before_title, "Tiêu đề mới")
    assert (entry.before["status"], entry.after["status"]) == ("live", "ended")
    assert entry.before["documents"][0][0] == "Luật Đất đai"
    assert entry.after["documents"][0][0] == "Luật Đất đai 2024"
    assert "stage_token" not in entry.after  # the stage's secret stays out of the log


def test_a_nickname_changed_in_the_admin_is_audited(admin_client_with_2fa, admin_user, event):
    participant = ParticipantFactory(event=event, nickname="Anh Ba")
    change_in_admin(
        admin_client_with_2fa,
        f"/admin/dialogue/participant/{participant.pk}/change/",
        nickname="Ẩn danh",
    )
    assert Participant.objects.get(pk=participant.pk).nickname == "Ẩn danh"
    entry = last_entry()
    assert (entry.action, entry.actor, entry.event) == ("admin", admin_user, event)
    assert (entry.before["nickname"], entry.after["nickname"]) == ("Anh Ba", "Ẩn danh")


def test_an_organiser_editing_a_dialogue_is_audited(event):
    organiser = AgencyMembershipFactory(agency=event.agency).user
    details = event_services.event_details(event)
    event_services.update_event(
        actor=organiser,
        event=event,
        details=replace(details, title="Đối thoại về đất đai, đổi giờ"),
    )
    entry = last_entry()
    assert (entry.action, entry.actor, entry.event) == ("details", organiser, event)
    assert entry.after["title"] == "Đối thoại về đất đai, đổi giờ"
    assert entry.before["title"] != entry.after["title"]


def test_nothing_is_logged_when_nothing_a_citizen_sees_changed(admin_client_with_2fa, event):
    question = QuestionFactory(event=event)
    change_in_admin(admin_client_with_2fa, f"/admin/dialogue/question/{question.pk}/change/")
    assert not ModerationLog.objects.exists()


def test_an_official_title_changed_in_the_admin_is_audited(
    admin_client_with_2fa, admin_user, live_event, official
):
    change_in_admin(
        admin_client_with_2fa,
        f"/admin/events/event/{live_event.pk}/change/",
        **{"roles-0-title": "Giám đốc Sở"},
    )
    assert EventRole.objects.get(user=official).title == "Giám đốc Sở"
    entry = last_entry()
    assert entry.before["roles"] != entry.after["roles"]
    assert [official.pk, "official", "Giám đốc Sở"] in entry.after["roles"]


def test_the_admin_cannot_edit_the_log(admin_client_with_2fa, event):
    assert Event.objects.exists()
    assert admin_client_with_2fa.get("/admin/moderation/moderationlog/add/").status_code == 403
