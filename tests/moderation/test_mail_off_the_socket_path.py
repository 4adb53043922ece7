"""A mail server that hangs delays nothing on the sockets: answering only queues the email."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django_tasks_db.models import DBTaskResult

from config.asgi import application
from dialogue import services as dialogue_services
from events.models import Event, EventRole
from tests.factories import (
    EventFactory,
    ParticipantFactory,
    QuestionFactory,
    UserFactory,
    enable_totp,
)
from tests.mailservers import StalledSMTPServer, use_smtp
from tests.socket import Client, open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

# Generous: the machine may be busy. The stalled server never answers at all, so a path that
# talked to it would not answer within any bound.
PROMPT = 20


async def connect(path: str, user) -> Client:  # type: ignore[no-untyped-def]
    headers = [
        (b"origin", b"http://127.0.0.1:8000"),
        (b"host", b"127.0.0.1:8000"),
        (b"cookie", (await session_cookie(user=user)).encode()),
    ]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, _ = await communicator.connect(timeout=5)
    assert accepted
    return Client(communicator)


@sync_to_async
def dialogue_with_a_signed_in_asker():  # type: ignore[no-untyped-def]
    event = EventFactory(moderation_mode=Event.Moderation.POST)
    official = UserFactory(display_name="Nguyễn Đức Long")
    EventRole.objects.create(event=event, user=official, role="official", title="Phó Giám đốc")
    enable_totp(official)
    asker = UserFactory(email="nguoi.hoi@example.org")
    participant = dialogue_services.join_event(event=event, user=asker, session=None)
    question = QuestionFactory(event=event, author=participant, routed_to=official)
    other = QuestionFactory(event=event, text="Câu hỏi của người khác?")
    return event, official, question, other


async def test_answering_returns_at_once_while_the_mail_server_hangs(
    settings, stalled_smtp: StalledSMTPServer
):
    use_smtp(settings, stalled_smtp.port)
    settings.EMAIL_TIMEOUT = 600
    event, official, question, other = await dialogue_with_a_signed_in_asker()
    desk = await connect(f"/ws/events/{event.slug}/official/", official)
    await desk.next()
    voter = await sync_to_async(ParticipantFactory)(event=event, nickname="Chị Lan")
    cookie = await session_cookie(participant_id=voter.pk, event_id=event.pk)
    _, citizen, _ = await open_socket(event.slug, cookie=cookie)

    await desk.send({"type": "answer", "question": question.pk, "body": "Đã có.", "publish": True})
    done = await desk.next_of("done", timeout=PROMPT)
    assert done["questions"][0]["status"] == "answered"
    # Another citizen's command right after: the database thread is free.
    await citizen.send({"type": "vote", "question": other.pk})
    assert (await citizen.next_of("voted", timeout=PROMPT))["question_id"] == other.pk

    # Nothing on the socket path spoke to the mail server: the email is only a queued task.
    assert stalled_smtp.connections == []
    queued = await sync_to_async(list)(DBTaskResult.objects.all())
    assert [task.task_path for task in queued] == ["events.tasks.deliver_email"]
    assert queued[0].args_kwargs["args"][0]["to"] == ["nguoi.hoi@example.org"]
    for client in (desk, citizen):
        await client.close()
