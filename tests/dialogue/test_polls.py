"""Answering polls: one answer each, checked against the poll's kind; results counted and shown."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from dialogue import commands, messages, selectors, services
from dialogue.models import Poll, PollAnswer
from events.models import Event
from live.errors import Conflict, InvalidMessage, NotAllowed, NotFound
from live.tallies import TallyCoalescer
from tests.factories import EventFactory, ParticipantFactory, PollFactory
from tests.socket import open_socket, session_cookie


def make_poll(
    event: Event, kind: str = "single", labels: tuple[str, ...] = ("Có", "Không")
) -> Poll:
    """An open poll of `event`; a rating poll gets its five scores, a word cloud none."""
    return PollFactory(event=event, kind=kind, options=labels)


def option_ids(poll: Poll) -> list[int]:
    return list(poll.options.values_list("pk", flat=True))


@pytest.mark.django_db
class TestAnswerPoll:
    def test_a_single_choice_is_stored_once_and_counted(self, event, participant):
        poll = make_poll(event)
        yes, no = option_ids(poll)
        services.answer_poll(participant=participant, poll_id=poll.pk, option_ids=[yes])
        results = selectors.poll_results(poll_ids=[poll.pk])[poll.pk]
        assert results == {"total": 1, "counts": {str(yes): 1, str(no): 0}, "words": []}

    def test_a_second_answer_is_refused_and_changes_nothing(self, event, participant):
        poll = make_poll(event)
        yes, no = option_ids(poll)
        services.answer_poll(participant=participant, poll_id=poll.pk, option_ids=[yes])
        with pytest.raises(Conflict) as refused:
            services.answer_poll(participant=participant, poll_id=poll.pk, option_ids=[no])
        assert refused.value.code == "already_answered"
        answer = PollAnswer.objects.get()
        assert list(answer.options.values_list("pk", flat=True)) == [yes]

    def test_multiple_choice_counts_each_option_chosen(self, event):
        poll = make_poll(event, "multiple", ("A", "B", "C"))
        a, b, c = option_ids(poll)
        first, second = ParticipantFactory(event=event), ParticipantFactory(event=event)
        services.answer_poll(participant=first, poll_id=poll.pk, option_ids=[a, b])
        services.answer_poll(participant=second, poll_id=poll.pk, option_ids=[b])
        results = selectors.poll_results(poll_ids=[poll.pk])[poll.pk]
        assert results["total"] == 2
        assert results["counts"] == {str(a): 1, str(b): 2, str(c): 0}

    def test_short_texts_are_counted_as_whole_answers_for_the_word_cloud(self, event):
        poll = make_poll(event, "text")
        for text in ("Pháp luật", "pháp   luật!", "Nhanh gọn"):
            services.answer_poll(
                participant=ParticipantFactory(event=event), poll_id=poll.pk, text=text
            )
        words = selectors.poll_results(poll_ids=[poll.pk])[poll.pk]["words"]
        assert words == [{"text": "pháp luật", "count": 2}, {"text": "nhanh gọn", "count": 1}]

    @pytest.mark.parametrize(
        ("kind", "choose", "text", "code"),
        [
            ("single", "none", "", "no_option"),
            ("single", "both", "", "too_many_options"),
            ("rating", "both", "", "too_many_options"),
            ("single", "foreign", "", "unknown_option"),
            ("single", "first", "và một câu", "invalid_answer"),
            ("text", "none", "   ", "invalid_text"),
            ("text", "none", "x" * 81, "too_long"),
            ("text", "first", "", "invalid_answer"),
        ],
    )
    def test_bad_answers_get_a_clear_error_and_store_nothing(
        self, event, participant, kind, choose, text, code
    ):
        poll = make_poll(event, kind)
        other = make_poll(EventFactory(), "single")
        ids = option_ids(poll) or option_ids(other)
        chosen = {
            "none": [],
            "first": ids[:1],
            "both": ids[:2],
            "foreign": option_ids(other)[:1],
        }[choose]
        with pytest.raises(InvalidMessage) as refused:
            services.answer_poll(
                participant=participant, poll_id=poll.pk, option_ids=chosen, text=text
            )
        assert refused.value.code == code
        assert not PollAnswer.objects.exists()

    @pytest.mark.parametrize("status", [Poll.Status.DRAFT, Poll.Status.CLOSED])
    def test_a_poll_that_is_not_open_refuses_answers(self, event, participant, status):
        poll = make_poll(event)
        Poll.objects.filter(pk=poll.pk).update(status=status)
        with pytest.raises(NotAllowed) as refused:
            services.answer_poll(
                participant=participant, poll_id=poll.pk, option_ids=option_ids(poll)[:1]
            )
        assert refused.value.code == "poll_closed"
        assert not PollAnswer.objects.exists()

    def test_a_banned_participant_cannot_answer(self, event, participant):
        poll = make_poll(event)
        participant.banned_at = timezone.now()
        participant.save()
        with pytest.raises(NotAllowed) as refused:
            services.answer_poll(
                participant=participant, poll_id=poll.pk, option_ids=option_ids(poll)[:1]
            )
        assert refused.value.code == "banned"

    def test_a_poll_of_another_dialogue_is_not_found(self, participant):
        poll = make_poll(EventFactory())
        with pytest.raises(NotFound):
            services.answer_poll(
                participant=participant, poll_id=poll.pk, option_ids=option_ids(poll)[:1]
            )

    def test_an_answer_marks_the_results_for_a_coalesced_frame(
        self, event, participant, django_capture_on_commit_callbacks
    ):
        poll = make_poll(event)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.answer_poll(
                participant=participant, poll_id=poll.pk, option_ids=option_ids(poll)[:1]
            )
        assert len(callbacks) == 1  # the mark; the frame itself leaves from the hub's flush


@pytest.mark.django_db
class TestPagesAndSnapshots:
    def test_the_snapshot_shows_the_open_poll_and_what_this_participant_answered(
        self, event, participant
    ):
        poll = make_poll(event)
        services.answer_poll(
            participant=participant, poll_id=poll.pk, option_ids=option_ids(poll)[:1]
        )
        parts = selectors.snapshot_parts(event=event, participant=participant)
        assert parts["poll"]["id"] == poll.pk
        assert parts["poll"]["results"]["total"] == 1
        assert parts["polls_answered"] == [poll.pk]

    def test_the_form_fallback_answers_like_the_socket(self, client, event):
        poll = make_poll(event)
        yes = option_ids(poll)[0]
        participant = ParticipantFactory(event=event)
        session = client.session
        session[selectors.SESSION_KEY] = {str(event.pk): participant.pk}
        session.save()
        url = reverse("dialogue:poll_answer", args=[event.slug, poll.pk])
        assert client.post(url, {"option": str(yes)}).status_code == 302
        assert client.post(url, {"option": str(yes)}).status_code == 302  # refused, no change
        assert PollAnswer.objects.filter(participant=participant).count() == 1
        page = client.get(event.get_absolute_url())
        assert (
            "Thank you: your answer is counted." in page.content.decode() or page.status_code == 200
        )

    def test_the_archive_keeps_closed_polls_with_their_results(self, client, event):
        poll = make_poll(event)
        services.answer_poll(
            participant=ParticipantFactory(event=event),
            poll_id=poll.pk,
            option_ids=option_ids(poll)[:1],
        )
        Poll.objects.filter(pk=poll.pk).update(status=Poll.Status.CLOSED, closed_at=timezone.now())
        Event.objects.filter(pk=event.pk).update(status=Event.Status.ENDED)
        (summary,) = selectors.closed_polls(event=event)
        assert summary.total == 1
        assert summary.options == [("Có", 1, 100), ("Không", 0, 0)]
        page = client.get(reverse("dialogue:archive", args=[event.slug])).content.decode()
        assert poll.question in page


# --- The socket --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_an_answer_on_the_socket_is_acknowledged_and_reaches_everyone_as_results():
    event = await sync_to_async(EventFactory)()
    poll = await sync_to_async(make_poll)(event)
    yes, no = await sync_to_async(option_ids)(poll)
    clients = []
    for nickname in ("Anh Tuấn", "Chị Lan"):
        participant = await sync_to_async(ParticipantFactory)(event=event, nickname=nickname)
        cookie = await session_cookie(participant_id=participant.pk, event_id=event.pk)
        accepted, client, snapshot = await open_socket(event.slug, cookie=cookie)
        assert accepted
        assert snapshot is not None
        assert snapshot["poll"]["id"] == poll.pk
        clients.append(client)
    answerer, watcher = clients
    command = await answerer.send({"type": "poll_answer", "poll": poll.pk, "options": [yes]})
    reply = await answerer.next_of_any("poll.answered", "error")
    assert reply["reply_to"] == command
    assert reply == {
        "type": "poll.answered",
        "reply_to": command,
        "poll_id": poll.pk,
        "results": {"total": 1, "counts": {str(yes): 1, str(no): 0}, "words": []},
    }
    results = await watcher.next_of("poll.results")
    assert results["results"]["counts"][str(yes)] == 1
    again = await answerer.send({"type": "poll_answer", "poll": poll.pk, "options": [no]})
    error = await answerer.next_of("error")
    assert (error["reply_to"], error["code"]) == (again, "already_answered")
    assert await sync_to_async(PollAnswer.objects.count)() == 1
    for client in clients:
        await client.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "poll_answer", "poll": 1, "options": list(range(1, 30))}, "invalid_message"),
        ({"type": "poll_answer", "poll": 1, "text": "x" * 600}, "invalid_message"),
        ({"type": "poll_answer", "poll": "7"}, "invalid_message"),
        ({"type": "poll_answer", "poll": 999999, "options": [1]}, "not_found"),
    ],
)
async def test_bad_poll_frames_get_an_error_frame(frame, code):
    event = await sync_to_async(EventFactory)()
    participant = await sync_to_async(ParticipantFactory)(event=event)
    cookie = await session_cookie(participant_id=participant.pk, event_id=event.pk)
    _, client, _ = await open_socket(event.slug, cookie=cookie)
    await client.send(frame)
    error = await client.next_of_any("error", "poll.answered")
    assert error["type"] == "error"
    assert error["code"] == code
    await client.close()


# --- Coalescing --------------------------------------------------------------------------------


async def test_many_answers_in_one_interval_are_one_results_frame():
    """The coalescer flushes each event once per interval however many polls were marked."""
    sent: list[tuple[int, dict[int, str]]] = []
    flushed = asyncio.Event()

    async def read(ids: set[int]) -> dict[int, str]:
        return {pk: f"results of {pk}" for pk in ids}

    async def send(event_id: int, results: dict[int, str]) -> None:
        sent.append((event_id, results))
        flushed.set()

    coalescer: TallyCoalescer[str] = TallyCoalescer(0.01, None, read, send, name="poll")
    for _ in range(1000):
        coalescer.mark(1, 7)
    await asyncio.wait_for(flushed.wait(), timeout=10)
    assert sent == [(1, {7: "results of 7"})]


@pytest.mark.django_db
def test_a_batch_of_answers_stores_each_alone_and_refuses_each_alone(event):
    poll = make_poll(event)
    yes = option_ids(poll)[0]
    first, second = ParticipantFactory(event=event), ParticipantFactory(event=event)
    requests = [
        (
            commands.Connection(event.pk, AnonymousUser(), participant.pk),
            messages.PollAnswerCommand(id=f"c{n}", type="poll_answer", poll=poll.pk, options=[yes]),
        )
        for n, participant in enumerate((first, first, second))
    ]
    replies = commands.handle_poll_answers(requests)
    assert [reply["type"] for reply in replies] == ["poll.answered", "error", "poll.answered"]
    assert replies[1]["code"] == "already_answered"
    assert replies[2]["results"]["total"] == 2  # as the batch left it
    assert PollAnswer.objects.count() == 2


@pytest.mark.django_db
def test_a_batch_refuses_a_ban_a_closed_poll_and_a_wrong_option_each_alone_and_writes_the_rest(
    event, django_assert_max_num_queries
):
    single = make_poll(event)
    closed = PollFactory(event=event, status=Poll.Status.CLOSED)
    other = EventFactory()  # one open poll per dialogue: the ranking is another's
    ranking = make_poll(other, Poll.Kind.RANKING, ("A", "B", "C"))
    people = [ParticipantFactory(event=event) for _ in range(6)]
    people[1] = ParticipantFactory(event=other)
    people[4] = ParticipantFactory(event=other)
    banned = ParticipantFactory(event=event, banned_at=timezone.now())
    a, b, c = option_ids(ranking)
    ballots = [
        services.PollBallot(people[0], single.pk, [option_ids(single)[0]]),
        services.PollBallot(people[1], ranking.pk, [c, a, b]),
        services.PollBallot(banned, single.pk, [option_ids(single)[0]]),
        services.PollBallot(people[2], closed.pk, [option_ids(closed)[0]]),
        services.PollBallot(people[3], single.pk, [a]),  # another poll's option
        services.PollBallot(people[4], ranking.pk, [c, a]),  # not every option placed
        services.PollBallot(people[5], 999_999_999_999_999_999_999, [a]),
    ]
    # The reads and writes of a batch do not grow with its size.
    with django_assert_max_num_queries(12):
        outcomes = services.answer_polls(ballots=ballots)

    codes = [getattr(o, "code", "stored") for o in outcomes]
    assert codes == [
        "stored",
        "stored",
        "banned",
        "poll_closed",
        "unknown_option",
        "rank_all",
        "not_found",
    ]
    assert PollAnswer.objects.count() == 2
    ranked = PollAnswer.objects.get(poll=ranking)
    assert dict(ranked.ranks.values_list("option_id", "points")) == {c: 2, a: 1, b: 0}
    assert list(PollAnswer.objects.get(poll=single).options.values_list("pk", flat=True)) == [
        option_ids(single)[0]
    ]
