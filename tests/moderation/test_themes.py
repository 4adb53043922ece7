"""Themes of a live room: questions about one matter grouped, labelled with their words and
articles, merges suggested; made by the task worker after each question asked."""

from __future__ import annotations

import uuid

import pytest
from django_tasks_db.models import DBTaskResult

from dialogue import services as dialogue_services
from dialogue.models import Question
from events.models import Event
from law.demo import create_demo_library
from law.matching import Entry, Index, library_changed
from moderation import selectors, tasks, themes
from moderation.themes import Asked, group, pairwise
from tests.factories import EventFactory, ParticipantFactory

QUESTIONS = [
    "Bố tôi mất không để lại di chúc thì ai được hưởng di sản?",
    "Vợ đang mang thai thì chồng có được yêu cầu ly hôn không?",
    "Cha mất không có di chúc, con riêng có được hưởng di sản thừa kế không?",
    "Chồng có quyền ly hôn khi vợ đang mang thai không ạ?",
    "Ông mất không để lại di chúc thì di sản chia thế nào?",
]


@pytest.fixture
def index(db: None) -> Index:
    create_demo_library()
    library_changed()
    from law.matching import library_index

    return library_index()


def test_questions_about_one_matter_group_together_with_their_words_and_articles(index):
    asked = [Asked(number, text) for number, text in enumerate(QUESTIONS, start=1)]
    found = group(asked, lambda q: themes.features(index, q.text))
    grouped = sorted(sorted(theme.questions) for theme in found)
    assert grouped == [[1, 3, 5], [2, 4]]
    inheritance = next(t for t in found if t.questions[0] == 1)
    assert "di chúc" in inheritance.words
    assert inheritance.articles[0].startswith("bo-luat-dan-su-2015/")
    divorce = next(t for t in found if t.questions[0] == 2)
    assert "ly hôn" in " ".join(divorce.words)
    # The near duplicate is offered for merging into the one asked first; the others are not.
    assert [(target, source) for target, source, _score in divorce.merges] == [(2, 4)]
    assert inheritance.merges == [] or all(s != 3 for _t, s, _ in inheritance.merges)


def test_the_grouping_is_the_same_from_the_same_questions_and_an_answered_one_is_not_merged():
    entries = [Entry(("a", "1"), "Luật A", "1", "Ly hôn", "Vợ chồng yêu cầu ly hôn.")]
    index = Index(entries)
    asked = [Asked(1, "Thủ tục ly hôn thế nào?"), Asked(2, "Thủ tục ly hôn thế nào ạ?", False)]
    first = group(asked, lambda q: themes.features(index, q.text))
    again = group(asked, lambda q: themes.features(index, q.text))
    assert [t.questions for t in first] == [t.questions for t in again] == [[1, 2]]
    assert first[0].merges == []


def test_pairwise_precision_and_recall_count_pairs():
    gold = {1: "x", 2: "x", 3: "x", 4: "y"}
    assert pairwise([[1, 2], [3], [4]], gold) == (1.0, pytest.approx(1 / 3))
    assert pairwise([[1, 2, 4], [3]], gold) == (pytest.approx(1 / 3), pytest.approx(1 / 3))


@pytest.mark.django_db
def test_a_question_asked_in_a_live_dialogue_queues_the_themes_which_reach_the_console(
    index, django_capture_on_commit_callbacks
):
    event = EventFactory(status=Event.Status.LIVE)
    for text in QUESTIONS[:3]:
        with django_capture_on_commit_callbacks(execute=True):
            dialogue_services.ask_question(
                participant=ParticipantFactory(event=event), text=text, client_id=uuid.uuid4()
            )
    queued = DBTaskResult.objects.filter(task_path="moderation.tasks.refresh_themes")
    assert queued.count() == 3
    tasks.refresh_themes.call(event.pk)
    shown = selectors.moderator_snapshot(event)["themes"]
    ids = list(Question.objects.filter(event=event).order_by("pk").values_list("pk", flat=True))
    assert [theme["questions"] for theme in shown] == [[ids[0], ids[2]]]
    assert shown[0]["articles"][0]["url"].startswith("/law/bo-luat-dan-su-2015/dieu-")
    assert themes.last_themes(event.pk)["made_from"] == ids[-1]  # made from every question


def test_an_erased_asker_s_words_leave_the_kept_themes_and_the_process_s_memory(
    index, django_capture_on_commit_callbacks
):
    from erasure.services import erase_participant

    event = EventFactory(status=Event.Status.LIVE)
    askers = [ParticipantFactory(event=event) for _ in QUESTIONS[:3]]
    for asker, text in zip(askers, QUESTIONS[:3], strict=True):
        dialogue_services.ask_question(participant=asker, text=text, client_id=uuid.uuid4())
    tasks.refresh_themes.call(event.pk)
    assert selectors.moderator_snapshot(event)["themes"]
    assert any(text == QUESTIONS[2] for _id, text in themes._features)

    with django_capture_on_commit_callbacks(execute=True):
        erase_participant(participant=askers[2], session=None)
    assert not selectors.moderator_snapshot(event)["themes"]  # the kept frame is gone
    assert all(text != QUESTIONS[2] for _id, text in themes._features)
    tasks.refresh_themes.call(event.pk)  # made again from what is left: nothing to group
    assert all(text != QUESTIONS[2] for _id, text in themes._features)
