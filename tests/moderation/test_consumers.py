from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from dialogue.models import Question
from events.models import Event, EventRole
from moderation.models import BannedWord, ModerationLog
from tests.factories import (
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)
from tests.socket import Client, open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def staffed_event(**fields):  # type: ignore[no-untyped-def]
    event = EventFactory(moderation_mode=Event.Moderation.PRE, **fields)
    moderator = UserFactory(display_name="Phạm Thu Hà")
    EventRole.objects.create(event=event, user=moderator, role=EventRole.Role.MODERATOR)
    enable_totp(moderator)
    return event, moderator


async def console(event: Event, user) -> tuple[bool, Client, dict | None]:  # type: ignore[no-untyped-def]
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append((b"cookie", (await session_cookie(user=user)).encode()))
    communicator = WebsocketCommunicator(
        application, f"/ws/events/{event.slug}/moderate/", headers=headers
    )
    accepted, _ = await communicator.connect(timeout=5)
    client = Client(communicator)
    if not accepted:
        return False, client, None
    return True, client, await client.next()


async def test_only_the_dialogue_s_moderators_may_connect():
    event, moderator = await staffed_event()
    official = await sync_to_async(UserFactory)()
    await sync_to_async(EventRole.objects.create)(event=event, user=official, role="official")
    without_two_factor = await sync_to_async(UserFactory)()
    await sync_to_async(EventRole.objects.create)(
        event=event, user=without_two_factor, role="moderator"
    )
    for person in (None, official, await sync_to_async(UserFactory)(), without_two_factor):
        assert (await console(event, person))[0] is False
    accepted, client, snapshot = await console(event, moderator)
    assert accepted
    assert snapshot["type"] == "mod.snapshot"
    await client.close()


async def test_the_snapshot_holds_every_question_with_screening():
    event, moderator = await staffed_event()
    await sync_to_async(BannedWord.objects.get_or_create)(agency=None, phrase="đéo")
    await sync_to_async(QuestionFactory)(event=event, text="Thủ tục tách thửa đất nông nghiệp?")
    await sync_to_async(QuestionFactory)(
        event=event, text="thu tuc tach thua dat nong nghiep", status=Question.Status.PENDING
    )
    await sync_to_async(QuestionFactory)(event=event, text="Trả lời đéo gì", status="pending")
    _, client, snapshot = await console(event, moderator)
    by_text = {q["text"]: q for q in snapshot["questions"]}
    assert len(by_text) == 3
    assert (
        by_text["thu tuc tach thua dat nong nghiep"]["duplicates"][0]["id"]
        == (by_text["Thủ tục tách thửa đất nông nghiệp?"]["id"])
    )
    assert by_text["Trả lời đéo gì"]["flags"] == [{"kind": "banned_word", "phrase": "đéo"}]
    await client.close()


async def test_a_new_question_reaches_the_console_and_approval_reaches_the_citizens():
    event, moderator = await staffed_event()
    participant = await sync_to_async(ParticipantFactory)(event=event, nickname="Chị Lan")
    _, asker, _ = await open_socket(
        event.slug, cookie=await session_cookie(participant_id=participant.pk, event_id=event.pk)
    )
    _, watcher, _ = await open_socket(event.slug)
    _, mod, _ = await console(event, moderator)
    await asker.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Bồi thường đất?"})
    incoming = (await mod.next_of("mod.question"))["question"]
    assert (incoming["status"], incoming["author"]) == ("pending", "Chị Lan")
    assert await watcher.nothing()
    command = await mod.send(
        {"type": "approve", "question": incoming["id"], "version": incoming["version"]}
    )
    done = await mod.next_of("done")
    assert done["reply_to"] == command
    assert done["questions"][0]["status"] == "approved"
    published = await watcher.next_of("question.published")
    assert published["question"]["id"] == incoming["id"]
    for client in (asker, watcher, mod):
        await client.close()


async def test_two_moderators_acting_on_one_question_get_a_conflict_not_a_lost_update():
    event, moderator = await staffed_event()
    second = await sync_to_async(UserFactory)()
    await sync_to_async(EventRole.objects.create)(event=event, user=second, role="moderator")
    await sync_to_async(enable_totp)(second)
    question = await sync_to_async(QuestionFactory)(event=event, status="pending")
    _, first_console, _ = await console(event, moderator)
    _, second_console, _ = await console(event, second)
    await first_console.send({"type": "approve", "question": question.pk, "version": 1})
    await first_console.next_of("done")
    command = await second_console.send(
        {"type": "reject", "question": question.pk, "version": 1, "reason": "off_topic"}
    )
    error = await second_console.next_of("error")
    assert (error["code"], error["reply_to"]) == ("conflict", command)
    assert (error["question"]["status"], error["question"]["version"]) == ("approved", 2)
    await sync_to_async(question.refresh_from_db)()
    assert question.status == "approved"
    await first_console.close()
    await second_console.close()


async def test_each_command_round_trips():
    event, moderator = await staffed_event()
    official = await sync_to_async(UserFactory)(display_name="Nguyễn Đức Long")
    await sync_to_async(EventRole.objects.create)(event=event, user=official, role="official")
    a = await sync_to_async(QuestionFactory)(event=event, status="pending", text="Hỏi về đất")
    b = await sync_to_async(QuestionFactory)(event=event, status="pending", text="Hoi ve dat")
    _, mod, _ = await console(event, moderator)
    version = 1

    async def run(frame):  # type: ignore[no-untyped-def]
        nonlocal version
        await mod.send({**frame, "question": a.pk, "version": version})
        reply = await mod.next_of("done")
        mine = next(q for q in reply["questions"] if q["id"] == a.pk)
        version = mine["version"]
        return mine

    assert (await run({"type": "edit", "text": "Hỏi về đất đai?"}))["original_text"] == "Hỏi về đất"
    assert (await run({"type": "tag", "topic": "Đất đai"}))["topic"] == "Đất đai"
    assert (await run({"type": "star", "starred": True}))["starred"] is True
    assert (await run({"type": "route", "official": official.pk}))["routed_to"][
        "name"
    ] == "Nguyễn Đức Long"
    assert (await run({"type": "stage", "stage": "next"}))["stage"] == "next"
    assert (await run({"type": "stage", "stage": "now"}))["stage"] == "now"
    merged = await run({"type": "merge", "sources": [{"question": b.pk, "version": 1}]})
    assert merged["status"] == "approved"
    assert (await run({"type": "stage", "stage": "answered"}))["status"] == "answered"
    await mod.send({"type": "modes", "moderation": "post", "voting_open": False})
    assert (await mod.next_of("done"))["modes"] == {
        "moderation": "post",
        "intake_open": True,
        "voting_open": False,
        "status": "live",
    }
    assert await sync_to_async(ModerationLog.objects.count)() == 10
    await mod.close()


async def test_bulk_approval_reports_what_it_could_not_do():
    event, moderator = await staffed_event()
    fresh = [await sync_to_async(QuestionFactory)(event=event, status="pending") for _ in range(3)]
    _, mod, _ = await console(event, moderator)
    items = [{"question": q.pk, "version": 1} for q in fresh] + [{"question": 999999, "version": 1}]
    await mod.send({"type": "bulk", "action": "approve", "items": items})
    done = await mod.next_of("done")
    assert len(done["questions"]) == 3
    assert done["refused"][0]["code"] == "not_found"
    await mod.close()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("nonsense", "invalid_message"),
        ('{"type": "approve", "id": "c1", "question": 1}', "invalid_message"),
        ('{"type": "explode", "id": "c1"}', "unknown_type"),
        (
            '{"type": "reject", "id": "c1", "question": 1, "version": 1, "reason": "why"}',
            "invalid_reason",
        ),
        ('{"type": "approve", "id": "c1", "question": 999999, "version": 1}', "not_found"),
    ],
)
async def test_bad_frames_get_error_frames(raw, code):
    event, moderator = await staffed_event()
    question = await sync_to_async(QuestionFactory)(event=event, status="pending")
    raw = raw.replace('"question": 1,', f'"question": {question.pk},')
    _, mod, _ = await console(event, moderator)
    await mod.send_raw(raw)
    error = await mod.next_of("error")
    assert error["code"] == code
    await mod.close()


async def test_a_moderator_whose_role_is_removed_is_closed_and_can_change_nothing():
    event, moderator = await staffed_event()
    question = await sync_to_async(QuestionFactory)(event=event, status="pending")
    _, mod, _ = await console(event, moderator)
    await sync_to_async(EventRole.objects.filter(user=moderator).delete)()
    code, frames = await mod.close_code()
    assert code == 4001
    assert [frame["type"] for frame in frames] == ["access.revoked"]
    await sync_to_async(question.refresh_from_db)()
    assert question.status == "pending"


async def test_a_banned_citizen_is_told_on_the_open_socket_and_refused():
    event, moderator = await staffed_event()
    participant = await sync_to_async(ParticipantFactory)(event=event)
    _, citizen, _ = await open_socket(
        event.slug, cookie=await session_cookie(participant_id=participant.pk, event_id=event.pk)
    )
    _, mod, _ = await console(event, moderator)
    await mod.send({"type": "ban", "participant": participant.pk, "reason": "Spam"})
    await mod.next_of("done")
    assert (await citizen.next_of("banned"))["type"] == "banned"
    await citizen.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Vẫn hỏi"})
    assert (await citizen.next_of("error"))["code"] == "banned"
    assert not await sync_to_async(Question.objects.filter(author=participant).exists)()
    await citizen.close()
    await mod.close()


def test_frames_are_compact_json():
    from live.wire import dumps

    assert json.loads(dumps({"a": "Đất"})) == {"a": "Đất"}


async def test_ending_the_session_closes_the_open_console():
    from django.contrib.sessions.models import Session

    event, moderator = await staffed_event()
    question = await sync_to_async(QuestionFactory)(event=event, status="pending")
    _, mod, _ = await console(event, moderator)
    await sync_to_async(Session.objects.all().delete)()  # what signing out does to the session
    code, frames = await mod.close_code()
    assert (code, frames[-1]["type"]) == (4001, "signed_out")
    await sync_to_async(question.refresh_from_db)()
    assert question.status == "pending"


async def test_removing_the_role_tells_the_open_console():
    event, moderator = await staffed_event()
    _, mod, _ = await console(event, moderator)
    await sync_to_async(EventRole.objects.filter(user=moderator).delete)()
    code, frames = await mod.close_code()
    assert (code, frames[-1]["type"]) == (4001, "access.revoked")


async def test_the_sign_out_page_tells_the_sockets_of_that_session():
    from django.test import Client as HttpClient

    event, moderator = await staffed_event()
    cookie = await session_cookie(user=moderator)
    headers = [
        (b"origin", b"http://127.0.0.1:8000"),
        (b"host", b"127.0.0.1:8000"),
        (b"cookie", cookie.encode()),
    ]
    communicator = WebsocketCommunicator(
        application, f"/ws/events/{event.slug}/moderate/", headers=headers
    )
    assert (await communicator.connect(timeout=5))[0]
    mod = Client(communicator)
    await mod.next_of("mod.snapshot")
    browser = HttpClient()
    name, value = cookie.split("=", 1)
    browser.cookies[name] = value
    response = await sync_to_async(browser.post)("/accounts/logout/")
    assert response.status_code == 302
    code, frames = await mod.close_code()
    assert (code, frames[-1]["type"]) == (4001, "signed_out")
