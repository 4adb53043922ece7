from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from dialogue.models import Question, Vote
from events.models import Event, EventRole
from moderation import services as moderation
from moderation.models import ModerationLog
from tests.factories import (
    EventFactory,
    EventRoleFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
)
from tests.socket import open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

create_event = sync_to_async(EventFactory)
create_participant = sync_to_async(ParticipantFactory)
create_question = sync_to_async(QuestionFactory)


def approve(question: Question) -> None:
    """A moderator of the dialogue publishes the question, as the console does: audited."""
    moderator = UserFactory()
    EventRoleFactory(event=question.event, user=moderator, role=EventRole.Role.MODERATOR)
    moderation.approve_question(
        actor=moderator, event=question.event, question_id=question.pk, version=None
    )
    assert ModerationLog.objects.filter(question=question, actor=moderator).exists()


async def joined(event: Event, nickname: str = "Anh Tuấn"):  # type: ignore[no-untyped-def]
    participant = await create_participant(event=event, nickname=nickname)
    cookie = await session_cookie(participant_id=participant.pk, event_id=event.pk)
    accepted, client, snapshot = await open_socket(event.slug, cookie=cookie)
    assert accepted
    return participant, client, snapshot


async def test_connecting_sends_a_snapshot_of_what_the_public_may_see():
    event = await create_event()
    await create_question(event=event, text="Câu hỏi công khai")
    await create_question(event=event, text="Câu hỏi chờ duyệt", status=Question.Status.PENDING)
    accepted, client, snapshot = await open_socket(event.slug)
    assert accepted
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == 0
    assert [q["text"] for q in snapshot["questions"]] == ["Câu hỏi công khai"]
    assert snapshot["me"] is None
    assert snapshot["event"]["slug"] == event.slug
    await client.close()


@pytest.mark.parametrize("status", [Event.Status.DRAFT])
async def test_drafts_and_unknown_events_refuse_the_connection(status):
    event = await create_event(status=status)
    assert (await open_socket(event.slug))[0] is False
    assert (await open_socket("khong-ton-tai"))[0] is False


async def test_a_foreign_origin_is_refused():
    event = await create_event()
    accepted, _client, _ = await open_socket(event.slug, origin="https://evil.example.com")
    assert accepted is False


async def test_ask_round_trip_reaches_the_other_client():
    event = await create_event()
    _, asker, _ = await joined(event)
    _, watcher, _ = await joined(event, "Chị Lan")
    command = await asker.send(
        {"type": "ask", "client_id": str(uuid.uuid4()), "text": "Thu hồi đất bồi thường ra sao?"}
    )
    reply = await asker.next_of("asked")
    assert reply["reply_to"] == command
    assert reply["question"]["status"] == "approved"
    seen = await watcher.next_of("question.published")
    assert seen["seq"] == 1
    private = ("anonymous", "reason", "merged_into")
    assert seen["question"] == {k: v for k, v in reply["question"].items() if k not in private}
    assert seen["question"]["author"] == "Anh Tuấn"
    await asker.close()
    await watcher.close()


async def test_a_retried_ask_returns_the_first_question_and_stores_one():
    event = await create_event()
    _, client, _ = await joined(event)
    client_id = str(uuid.uuid4())
    await client.send(
        {"type": "ask", "client_id": client_id, "text": "Tách thửa tối thiểu bao nhiêu m²?"}
    )
    first = await client.next_of("asked")
    await client.send(
        {"type": "ask", "client_id": client_id, "text": "Tách thửa tối thiểu bao nhiêu m²?"}
    )
    second = await client.next_of("asked")
    assert first["question"]["id"] == second["question"]["id"]
    assert await sync_to_async(Question.objects.count)() == 1
    await client.close()


async def test_anonymous_questions_reach_the_public_without_a_name():
    event = await create_event()
    _, asker, _ = await joined(event, "Nguyễn Văn Bí Mật")
    _, watcher, _ = await open_socket(event.slug)
    await asker.send(
        {"type": "ask", "client_id": str(uuid.uuid4()), "text": "Hỏi kín", "anonymous": True}
    )
    frame = await watcher.next_of("question.published")
    assert frame["question"]["author"] is None
    assert "Bí Mật" not in str(frame)
    await asker.close()
    await watcher.close()


async def test_pre_moderation_shows_the_author_only_until_approved():
    event = await create_event(moderation_mode=Event.Moderation.PRE)
    _, asker, _ = await joined(event)
    _, watcher, _ = await joined(event, "Chị Lan")
    await asker.send(
        {"type": "ask", "client_id": str(uuid.uuid4()), "text": "Sổ đỏ cấp lại mất bao lâu?"}
    )
    # The ack and the notice to the author's other tabs may come in either order.
    frames = {frame["type"]: frame for frame in [await asker.next(), await asker.next()]}
    reply = frames["asked"]
    assert reply["question"]["status"] == "pending"
    assert frames["own_question.updated"]["question"]["status"] == "pending"
    assert await watcher.nothing()
    question = await sync_to_async(Question.objects.get)(pk=reply["question"]["id"])
    await sync_to_async(approve)(question)
    published = await watcher.next_of("question.published")
    assert published["question"]["id"] == question.pk
    assert (await asker.next_of("own_question.updated"))["question"]["status"] == "approved"
    await asker.close()
    await watcher.close()


async def test_votes_are_acknowledged_and_tallied_to_everyone():
    event = await create_event()
    question = await create_question(event=event)
    _, voter, _ = await joined(event)
    _, watcher, _ = await joined(event, "Chị Lan")
    command = await voter.send({"type": "vote", "question": question.pk})
    reply = await voter.next_of("voted")
    assert reply == {
        "type": "voted",
        "reply_to": command,
        "question_id": question.pk,
        "voted": True,
        "votes": 1,
    }
    tally = await watcher.next_of("tally")
    assert tally["votes"] == {str(question.pk): 1}
    await voter.send({"type": "unvote", "question": question.pk})
    assert (await voter.next_of("voted"))["votes"] == 0
    assert (await watcher.next_of("tally"))["votes"] == {str(question.pk): 0}
    assert await sync_to_async(Vote.objects.count)() == 0
    await voter.close()
    await watcher.close()


async def test_a_burst_of_votes_is_coalesced_into_few_tally_frames():
    event = await create_event()
    questions = [await create_question(event=event) for _ in range(5)]
    voters = [await joined(event, f"Người {n}") for n in range(4)]
    _, watcher, _ = await joined(event, "Người xem")
    for _, client, _ in voters:
        for question in questions:
            await client.send({"type": "vote", "question": question.pk})
    for _, client, _ in voters:
        for _ in questions:
            await client.next_of("voted")
    latest: dict[str, int] = {}
    frames = 0
    while not await watcher.nothing(timeout=0.3):
        frame = await watcher.next_of("tally")
        frames += 1
        latest.update(frame["votes"])
    assert latest == {str(q.pk): 4 for q in questions}
    assert frames < 20  # 20 votes; each frame carries all that changed in its interval
    for _, client, _ in voters:
        await client.close()
    await watcher.close()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid_message"),
        ("[1, 2]", "invalid_message"),
        ('{"type": "dance", "id": "c1"}', "unknown_type"),
        ('{"type": "vote", "id": "c1"}', "invalid_message"),
        ('{"type": "vote", "id": "c1", "question": "12"}', "invalid_message"),
        ('{"type": "ask", "id": "c1", "client_id": "nope", "text": "x"}', "invalid_message"),
        (
            '{"type": "ask", "id": "c1", "client_id": "'
            + str(uuid.uuid4())
            + '", "text": "x", "extra": 1}',
            "invalid_message",
        ),
        ('{"type": "ping", "id": "c1", "pad": "' + "x" * 5000 + '"}', "too_large"),
        ('{"type": "vote", "id": "c1", "question": 999999}', "not_found"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(raw, code):
    event = await create_event()
    _, client, _ = await joined(event)
    await client.send_raw(raw)
    error = await client.next()
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    await client.send({"type": "ping"})
    assert (await client.next())["type"] == "pong"
    assert await sync_to_async(Vote.objects.count)() == 0
    await client.close()


async def test_a_browser_without_a_nickname_is_asked_to_join():
    event = await create_event()
    question = await create_question(event=event)
    _, client, _ = await open_socket(event.slug)
    command = await client.send({"type": "vote", "question": question.pk})
    error = await client.next()
    assert (error["code"], error["reply_to"]) == ("join_required", command)
    await client.close()


async def test_a_signed_in_citizen_becomes_a_participant_on_first_ask(citizen):
    event = await create_event()
    _, client, snapshot = await open_socket(event.slug, cookie=await session_cookie(user=citizen))
    assert snapshot["me"] is None
    await client.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Hỏi với tài khoản"})
    reply = await client.next_of("asked")
    assert reply["question"]["author"] == "Nguyễn Thị Hoa"
    await client.close()


async def test_closed_intake_gives_a_questions_closed_error():
    event = await create_event(intake_closed=True)
    _, client, _ = await joined(event)
    await client.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Muộn rồi"})
    assert (await client.next())["code"] == "questions_closed"
    await client.close()


async def test_resync_since_a_seq_is_answered_with_the_missed_deltas_in_order():
    event = await create_event()
    _, asker, _ = await joined(event)
    _, watcher, _ = await joined(event, "Chị Lan")
    for text in ("Một", "Hai", "Ba"):
        await asker.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": text})
        await asker.next_of("asked")
    for seq in (1, 2, 3):
        assert (await watcher.next_of("question.published"))["seq"] == seq
    command = await watcher.send({"type": "resync", "since": 1})
    backlog = await watcher.next_of("backlog")
    assert backlog["reply_to"] == command
    assert backlog["since"] == 1
    assert [(f["seq"], f["question"]["text"]) for f in backlog["frames"]] == [(2, "Hai"), (3, "Ba")]
    await asker.close()
    await watcher.close()


async def test_resync_beyond_the_backlog_is_answered_with_the_public_snapshot():
    event = await create_event(moderation_mode=Event.Moderation.PRE)
    _, client, _ = await joined(event)
    question = await create_question(event=event, text="Mới duyệt", status=Question.Status.PENDING)
    await sync_to_async(approve)(question)
    assert (await client.next_of("question.published"))["seq"] == 1
    command = await client.send({"type": "resync"})
    snapshot = await client.next_of("snapshot")
    assert snapshot["reply_to"] == command
    assert snapshot["partial"] is True  # the public part: the page keeps its own questions
    assert snapshot["seq"] == 1
    assert [q["text"] for q in snapshot["questions"]] == ["Mới duyệt"]
    await client.close()


async def test_resyncs_are_limited_per_socket():
    event = await create_event()
    _, client, _ = await joined(event)
    codes = []
    for _ in range(6):
        await client.send({"type": "resync", "since": 0})
        codes.append((await client.next_of_any("backlog", "error"))["type"])
    assert codes == ["backlog"] * 5 + ["error"]
    await client.close()


async def test_a_resync_with_a_bad_since_is_an_error_frame():
    event = await create_event()
    _, client, _ = await joined(event)
    await client.send({"type": "resync", "since": -1})
    assert (await client.next_of("error"))["code"] == "invalid_message"
    await client.send({"type": "resync", "since": 2**70})
    assert (await client.next_of("error"))["code"] == "invalid_message"
    await client.close()


async def test_signing_out_stops_the_open_socket_acting_as_the_account(citizen):
    from django.test import Client as HttpClient

    event = await create_event()
    cookie = await session_cookie(user=citizen)
    _, client, _ = await open_socket(event.slug, cookie=cookie)
    browser = HttpClient()
    name, value = cookie.split("=", 1)
    browser.cookies[name] = value
    assert (await sync_to_async(browser.post)("/accounts/logout/")).status_code == 302
    code, frames = await client.close_code()
    assert code == 4001
    assert frames[-1]["type"] == "signed_out"


async def test_rate_limits_count_the_socket_s_address(settings):
    settings.DIALOGUE = {
        **settings.DIALOGUE,
        "RATE_LIMITS": {
            **settings.DIALOGUE["RATE_LIMITS"],
            "ask": {"participant": "50/minute", "ip": "2/minute"},
        },
    }
    event = await create_event()
    clients = [(await joined(event, f"Người {n}"))[1] for n in range(3)]
    for client in clients[:2]:
        await client.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Hỏi"})
        await client.next_of("asked")
    await clients[2].send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Hỏi nữa"})
    assert (await clients[2].next_of("error"))["code"] == "rate_limited"
    for client in clients:
        await client.close()


async def test_votes_from_many_sockets_at_once_are_each_answered_and_counted_exactly():
    event = await create_event()
    questions = [await create_question(event=event) for _ in range(4)]
    voters = [await joined(event, f"Người {n}") for n in range(6)]
    # Everything is sent before any reply is read, so the votes reach the batcher together.
    sent = {}
    for _, client, _ in voters:
        for question in questions:
            sent[await client.send({"type": "vote", "question": question.pk})] = question.pk
        await client.send({"type": "unvote", "question": questions[0].pk})
    for _, client, _ in voters:
        for _ in questions:
            reply = await client.next_of("voted")
            assert (reply["question_id"], reply["voted"]) == (sent[reply["reply_to"]], True)
        assert (await client.next_of("voted"))["voted"] is False
    counts = await sync_to_async(
        lambda: dict(Question.objects.filter(event=event).values_list("pk", "vote_count"))
    )()
    assert counts == {q.pk: 0 if q == questions[0] else 6 for q in questions}
    assert await sync_to_async(Vote.objects.count)() == 18
    for _, client, _ in voters:
        await client.close()


async def test_a_socket_reads_its_next_command_while_its_votes_are_stored(settings):
    # The first vote starts a batch at once; the second waits for the next one, 0.5 s later.
    settings.DIALOGUE = {**settings.DIALOGUE, "VOTE_BATCH_SECONDS": 0.5}
    event = await create_event()
    first, second = [await create_question(event=event) for _ in range(2)]
    _, voter, _ = await joined(event)
    await voter.send({"type": "vote", "question": first.pk})
    assert (await voter.next_of("voted"))["question_id"] == first.pk
    waiting = await voter.send({"type": "vote", "question": second.pk})
    pinged = await voter.send({"type": "ping"})
    replies = [await voter.next_of_any("pong", "voted") for _ in range(2)]
    assert [reply["reply_to"] for reply in replies] == [pinged, waiting]
    assert replies[1]["votes"] == 1
    await voter.close()
