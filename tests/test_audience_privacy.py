"""Each audience receives what the policy in docs/security.md ("What each audience sees") allows.

A whole dialogue is played through real sockets, one per audience: the public, the moderators'
console, the official's console and the stage. Every frame each of them receives, replies
included, is searched for the identity of a person who asked anonymously: their name and their
participant id. Only the moderators of a dialogue that reveals anonymous askers may see them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from dialogue import services as dialogue_services
from dialogue.models import Participant, Question
from events.models import Event, EventRole
from tests.factories import EventFactory, ParticipantFactory, UserFactory, enable_totp
from tests.socket import Client, open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_NAME = "Bí Mật Thật"
# A participant id no other number in the frames comes near (ids, votes and seqs stay small).
SECRET_ID = 7_340_021

# The frame types each audience must have received by the end, so that the walk covers them all.
EXPECTED = {
    "public": {"snapshot", "question.published", "question.withdrawn", "tally", "event.updated"},
    "moderators": {"mod.snapshot", "mod.question", "mod.event", "done", "tally"},
    "official": {"official.snapshot", "official.question", "done"},
    "stage": {"stage.state"},
}


def values(frame: Any) -> Iterator[Any]:
    """Every scalar inside a frame, however deep."""
    if isinstance(frame, dict):
        for value in frame.values():
            yield from values(value)
    elif isinstance(frame, list):
        for value in frame:
            yield from values(value)
    else:
        yield frame


def identities(frame: dict[str, Any]) -> list[Any]:
    """The traces of the anonymous asker in one frame."""
    return [
        value
        for value in values(frame)
        if value == SECRET_ID or (isinstance(value, str) and SECRET_NAME in value)
    ]


async def staff_socket(path: str, user: Any = None) -> Client:
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append((b"cookie", (await session_cookie(user=user)).encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, _ = await communicator.connect(timeout=5)
    assert accepted, path
    return Client(communicator)


class Recorder:
    """One audience's socket, keeping every frame it reads."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.frames: list[dict[str, Any]] = []

    async def next_of(self, kind: str, **match: Any) -> dict[str, Any]:
        while True:
            frame = await self.client.next(timeout=10)
            self.frames.append(frame)
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def command(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Send a command and read up to its reply."""
        command_id = await self.client.send(frame)
        while True:
            reply = await self.client.next(timeout=10)
            self.frames.append(reply)
            if reply.get("reply_to") == command_id:
                assert reply["type"] != "error", reply
                return reply


@sync_to_async
def dialogue(*, reveal: bool) -> dict[str, Any]:
    event = EventFactory(
        moderation_mode=Event.Moderation.PRE, reveal_anonymous_to_moderators=reveal
    )
    moderator, official = UserFactory(), UserFactory(display_name="Nguyễn Đức Long")
    EventRole.objects.create(event=event, user=moderator, role="moderator")
    EventRole.objects.create(event=event, user=official, role="official", title="Phó Giám đốc")
    enable_totp(moderator)
    enable_totp(official)
    asker_account = UserFactory(display_name=SECRET_NAME)
    asker = Participant.objects.create(pk=SECRET_ID, event=event, user=asker_account)
    viewer = ParticipantFactory(event=event, nickname="Khán giả")
    asked = [
        dialogue_services.ask_question(
            participant=asker, text=text, client_id=uuid.uuid4(), anonymous=True
        ).pk
        for text in (
            "Thủ tục cấp sổ đỏ mất bao lâu?",
            "Sổ đỏ cấp trong bao nhiêu ngày?",
            "Câu hỏi sẽ bị từ chối",
        )
    ]
    return {
        "event": event,
        "moderator": moderator,
        "official": official,
        "viewer": viewer,
        "questions": asked,
    }


def version(question_id: int) -> int:
    return Question.objects.values_list("version", flat=True).get(pk=question_id)


@pytest.mark.parametrize("reveal", [False, True], ids=["hidden", "revealed"])
async def test_no_audience_learns_who_asked_anonymously_unless_policy_allows(reveal: bool):
    found = await dialogue(reveal=reveal)
    event: Event = found["event"]
    main, duplicate, refused = found["questions"]
    current = sync_to_async(version)

    viewer_cookie = await session_cookie(participant_id=found["viewer"].pk, event_id=event.pk)
    _, public_client, snapshot = await open_socket(event.slug, cookie=viewer_cookie)
    public = Recorder(public_client)
    public.frames.append(snapshot or {})
    moderators = Recorder(
        await staff_socket(f"/ws/events/{event.slug}/moderate/", found["moderator"])
    )
    official = Recorder(await staff_socket(f"/ws/events/{event.slug}/official/", found["official"]))
    stage = Recorder(await staff_socket(f"/ws/stage/{event.stage_token}/"))
    await moderators.next_of("mod.snapshot")
    await official.next_of("official.snapshot")
    await stage.next_of("stage.state")

    # Everything moderators do to a question, then the official's part, then the stage.
    for question in (main, duplicate, refused):
        await moderators.command(
            {"type": "approve", "question": question, "version": await current(question)}
        )
    await public.command({"type": "vote", "question": main})
    await moderators.command(
        {"type": "edit", "question": main, "version": await current(main), "text": "Sổ đỏ?"}
    )
    await moderators.command(
        {"type": "tag", "question": main, "version": await current(main), "topic": "Đất đai"}
    )
    await moderators.command(
        {"type": "star", "question": main, "version": await current(main), "starred": True}
    )
    await moderators.command(
        {
            "type": "merge",
            "question": main,
            "version": await current(main),
            "sources": [{"question": duplicate, "version": await current(duplicate)}],
        }
    )
    await moderators.command(
        {
            "type": "route",
            "question": main,
            "version": await current(main),
            "official": found["official"].pk,
        }
    )
    await moderators.command(
        {"type": "stage", "question": main, "version": await current(main), "stage": "next"}
    )
    await official.command({"type": "answering", "question": main})
    await official.command({"type": "note", "question": main, "note": "Điều 101 Luật Đất đai"})
    await official.command({"type": "answer", "question": main, "body": "Ba mươi ngày."})
    await moderators.command(
        {
            "type": "bulk",
            "action": "reject",
            "items": [{"question": refused, "version": await current(refused)}],
            "reason": "off_topic",
        }
    )
    await moderators.command({"type": "modes", "voting_open": False})
    await moderators.command({"type": "ban", "question": refused})

    # Every audience has heard of each kind of change; then a fresh snapshot of the end state.
    await public.next_of("event.updated")
    await stage.next_of("stage.state")
    for recorder in (public, moderators, official):
        await recorder.command({"type": "resync"})

    audiences = {"public": public, "moderators": moderators, "official": official, "stage": stage}
    for name, recorder in audiences.items():
        kinds = {frame["type"] for frame in recorder.frames}
        assert EXPECTED[name] <= kinds, (name, EXPECTED[name] - kinds)
        may_see = name == "moderators" and reveal
        leaks = [(frame["type"], identities(frame)) for frame in recorder.frames]
        leaks = [leak for leak in leaks if leak[1]]
        if may_see:
            assert leaks, "a revealing dialogue shows moderators who asked"
        else:
            assert not leaks, (name, leaks)
        await recorder.client.close()
