from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from events.models import Event, EventRole
from tests.factories import (
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)
from tests.socket import Client, open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(path: str, user=None) -> tuple[bool, Client]:  # type: ignore[no-untyped-def]
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append((b"cookie", (await session_cookie(user=user)).encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, _ = await communicator.connect(timeout=5)
    return accepted, Client(communicator)


@sync_to_async
def staffed():  # type: ignore[no-untyped-def]
    event = EventFactory(moderation_mode=Event.Moderation.PRE)
    moderator, official = UserFactory(), UserFactory(display_name="Nguyễn Đức Long")
    EventRole.objects.create(event=event, user=moderator, role="moderator")
    EventRole.objects.create(event=event, user=official, role="official", title="Phó Giám đốc")
    enable_totp(moderator)
    enable_totp(official)
    return event, moderator, official


async def test_the_stage_opens_only_with_its_secret_link():
    event, _moderator, _official = await staffed()
    assert (await connect("/ws/stage/not-the-token/"))[0] is False
    accepted, stage = await connect(f"/ws/stage/{event.stage_token}/")
    assert accepted
    assert (await stage.next())["type"] == "stage.state"
    await stage.send({"type": "approve", "question": 1, "version": 1})
    assert (await stage.next())["code"] == "not_allowed"
    await stage.close()


async def test_the_stage_receives_only_stage_frames_and_no_anonymous_identity():
    event, moderator, _official = await staffed()
    asker = await sync_to_async(ParticipantFactory)(event=event, nickname="Bí Mật Thật")
    _, citizen, _ = await open_socket(
        event.slug, cookie=await session_cookie(participant_id=asker.pk, event_id=event.pk)
    )
    _, stage = await connect(f"/ws/stage/{event.stage_token}/")
    await stage.next()
    _, console = await connect(f"/ws/events/{event.slug}/moderate/", moderator)
    await console.next_of("mod.snapshot")
    # Everything a dialogue does: an anonymous question, its approval, a vote, going on stage.
    await citizen.send(
        {"type": "ask", "client_id": str(uuid.uuid4()), "text": "Hỏi kín", "anonymous": True}
    )
    question = (await console.next_of("mod.question"))["question"]
    await console.send(
        {"type": "approve", "question": question["id"], "version": question["version"]}
    )
    done = (await console.next_of("done"))["questions"][0]
    await citizen.send({"type": "vote", "question": question["id"]})
    await citizen.next_of("voted")
    await console.send(
        {"type": "stage", "question": question["id"], "version": done["version"], "stage": "now"}
    )
    await console.next_of("done")
    frames = []
    while not await stage.nothing(timeout=0.5):
        frames.append(await stage.next())
    assert frames
    assert {frame["type"] for frame in frames} <= {"stage.state", "tally"}
    assert frames[-1]["now"]["text"] == "Hỏi kín" if frames[-1]["type"] == "stage.state" else True
    assert "Bí Mật" not in json.dumps(frames, ensure_ascii=False)
    for client in (citizen, stage, console):
        await client.close()


async def test_the_official_sees_what_is_routed_and_answers_live():
    event, moderator, official = await staffed()
    stranger = await sync_to_async(UserFactory)()
    await sync_to_async(enable_totp)(stranger)
    assert (await connect(f"/ws/events/{event.slug}/official/", stranger))[0] is False
    question = await sync_to_async(QuestionFactory)(event=event, text="Thu hồi đất bồi thường?")
    accepted, desk = await connect(f"/ws/events/{event.slug}/official/", official)
    assert accepted
    assert (await desk.next())["questions"] == []
    _, console = await connect(f"/ws/events/{event.slug}/moderate/", moderator)
    await console.next_of("mod.snapshot")
    await console.send(
        {"type": "route", "question": question.pk, "version": 1, "official": official.pk}
    )
    routed = (await desk.next_of("official.question"))["question"]
    assert routed["text"] == "Thu hồi đất bồi thường?"
    await desk.send({"type": "answering", "question": question.pk})
    done = await desk.next_of("done")
    assert done["questions"][0]["stage"] == "now"
    on_console = await console.next_of("mod.question")
    assert on_console["question"]["id"] in (question.pk,)
    await desk.send(
        {"type": "answer", "question": question.pk, "body": "Trả lời bằng văn bản", "publish": True}
    )
    answered = (await desk.next_of("done"))["questions"][0]
    assert answered["status"] == "answered"
    assert answered["answer"]["published"] is True
    await desk.send({"type": "answer", "question": question.pk, "body": ""})
    assert (await desk.next_of("error"))["code"] == "invalid_message"
    for client in (desk, console):
        await client.close()
