"""Retention (Decree 13/2023): expired sessions purged, old nickname identifiers erased."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone, translation

from dialogue.models import Participant, Question
from dialogue.selectors import SESSION_KEY
from erasure.retention import erase_expired_personal_data
from tests.factories import EventFactory, ParticipantFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


def ended_days_ago(days: int):  # type: ignore[no-untyped-def]
    ends = timezone.now() - timedelta(days=days)
    return EventFactory(starts_at=ends - timedelta(hours=2), ends_at=ends, status="ended")


def browser_session(links: dict[str, int], *, expires_in: timedelta = timedelta(days=30)) -> str:
    session = SessionStore()
    session[SESSION_KEY] = links
    session.set_expiry(int(expires_in.total_seconds()))
    session.save()
    return session.session_key  # type: ignore[return-value]


def events_logged(caplog: pytest.LogCaptureFixture, name: str) -> list[dict]:  # type: ignore[type-arg]
    return [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg["event"] == name]


@pytest.fixture
def old_and_recent():  # type: ignore[no-untyped-def]
    old, recent = ended_days_ago(400), ended_days_ago(10)
    nickname = ParticipantFactory(event=old, nickname="Chú Ba bán cá")
    account = ParticipantFactory(event=old, nickname="", user=UserFactory())
    fresh = ParticipantFactory(event=recent, nickname="Cô Tư")
    question = QuestionFactory(event=old, author=nickname, text="Đất ven sông có được cấp sổ?")
    session_key = browser_session({str(old.pk): nickname.pk, str(recent.pk): fresh.pk})
    return {
        "old": old,
        "recent": recent,
        "nickname": nickname,
        "account": account,
        "fresh": fresh,
        "question": question,
        "session_key": session_key,
    }


def test_a_past_dialogues_nicknames_and_browser_links_are_erased(old_and_recent, caplog):
    caplog.set_level("INFO")
    call_command("erase_personal_data")  # PERSONAL_DATA_RETENTION_DAYS: 365 by default
    nickname = Participant.objects.get(pk=old_and_recent["nickname"].pk)
    assert nickname.nickname == ""
    with translation.override("en"):
        assert nickname.display_name == "Citizen"
    question = Question.objects.get(pk=old_and_recent["question"].pk)
    assert question.text == "Đất ven sông có được cấp sổ?"  # stays as published
    assert question.author_id == nickname.pk
    session = Session.objects.get(pk=old_and_recent["session_key"]).get_decoded()
    assert session[SESSION_KEY] == {str(old_and_recent["recent"].pk): old_and_recent["fresh"].pk}
    [logged] = events_logged(caplog, "personal_data_erased")
    assert logged["participants"] == 1
    assert logged["sessions"] == 1
    assert logged["retention_days"] == 365


def test_recent_dialogues_and_accounts_are_left_alone(old_and_recent):
    erase_expired_personal_data(retention_days=365)
    assert Participant.objects.get(pk=old_and_recent["fresh"].pk).nickname == "Cô Tư"
    account = Participant.objects.get(pk=old_and_recent["account"].pk)
    assert account.user_id == old_and_recent["account"].user_id


def test_a_second_run_erases_nothing_more(old_and_recent):
    first = erase_expired_personal_data(retention_days=365)
    second = erase_expired_personal_data(retention_days=365)
    assert (first.participants, first.sessions) == (1, 1)
    assert (second.participants, second.sessions) == (0, 0)


def test_the_retention_period_comes_from_the_environment_or_the_command_line(
    old_and_recent, settings
):
    settings.PERSONAL_DATA_RETENTION_DAYS = 5
    call_command("erase_personal_data")
    assert Participant.objects.get(pk=old_and_recent["fresh"].pk).nickname == ""
    old_and_recent["fresh"].nickname = "Cô Tư"
    old_and_recent["fresh"].save()
    call_command("erase_personal_data", "--days", "30")
    assert Participant.objects.get(pk=old_and_recent["fresh"].pk).nickname == "Cô Tư"


def test_a_negative_retention_period_is_refused_and_changes_nothing(old_and_recent):
    with pytest.raises(ValueError, match="negative"):
        erase_expired_personal_data(retention_days=-1)
    assert Participant.objects.get(pk=old_and_recent["fresh"].pk).nickname == "Cô Tư"


def test_expired_sessions_are_purged_and_counted(caplog):
    caplog.set_level("INFO")
    live = browser_session({})
    expired = browser_session({})
    Session.objects.filter(pk=expired).update(expire_date=timezone.now() - timedelta(days=1))
    call_command("purge_sessions")
    assert list(Session.objects.values_list("pk", flat=True)) == [live]
    [logged] = events_logged(caplog, "expired_sessions_purged")
    assert (logged["purged"], logged["remaining"]) == (1, 1)
